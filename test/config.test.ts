import { describe, expect, test } from "@jest/globals";
import { APOLLO_SANDBOX_ORIGINS, ConfigError, DEFAULT_DIGICERT_API_URL, loadConfig } from "../src/config/config.js";

// These tests only parse URLs: nothing here opens a connection to any host.

const PORT_RULE = "PORT must be a whole number from 0 to 65535";
const TIMEOUT_RULE = "DIGICERT_TIMEOUT_MS must be a whole number from 100 to 300000";
const HTTPS_RULE =
  "DIGICERT_API_URL: DIGICERT_API_URL must use https://; plain http:// is accepted only for loopback hosts (localhost, 127.0.0.0/8, ::1)";
const NO_EXTRAS_RULE =
  "DIGICERT_API_URL: DIGICERT_API_URL must not contain credentials, a query or a fragment: give the API base such as https://www.digicert.com/services/v2";

/** Calls loadConfig and returns the ConfigError it throws. Any other outcome fails the test. */
function configErrorFor(environment: Record<string, string>): ConfigError {
  try {
    loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(environment)}`);
}

/** Splits a ConfigError message into its problem lines, without the "Invalid configuration:" heading. */
function problemLines(error: ConfigError): string[] {
  return error.message
    .split("\n")
    .slice(1)
    .map((line) => line.trim());
}

describe("loadConfig defaults", () => {
  test("empty environment uses defaults", () => {
    const config = loadConfig({});

    expect(config.port).toBe(4000);
    expect(config.host).toBe("0.0.0.0");
    expect(config.digicertApiUrl).toBe("https://www.digicert.com/services/v2");
    expect(config.digicertTimeoutMs).toBe(20_000);
    expect(config.logLevel).toBe("info");
    expect(config.production).toBe(false);
  });

  test("default API URL is US instance", () => {
    expect(DEFAULT_DIGICERT_API_URL).toBe("https://www.digicert.com/services/v2");
  });

  test("Sandbox origins allowed outside production", () => {
    expect(loadConfig({}).corsOrigins).toEqual([
      "https://studio.apollographql.com",
      "https://sandbox.embed.apollographql.com",
    ]);
  });

  test("development NODE_ENV keeps Sandbox origins", () => {
    expect(loadConfig({ NODE_ENV: "development" }).corsOrigins).toEqual(APOLLO_SANDBOX_ORIGINS);
  });

  test("production allows no origins", () => {
    const config = loadConfig({ NODE_ENV: "production" });

    expect(config.production).toBe(true);
    expect(config.corsOrigins).toEqual([]);
  });

  test("empty strings count as unset", () => {
    const config = loadConfig({
      PORT: "",
      HOST: "",
      DIGICERT_API_URL: "",
      DIGICERT_TIMEOUT_MS: "",
      LOG_LEVEL: "",
      NODE_ENV: "",
      CORS_ORIGINS: "",
    });

    expect(config).toEqual(loadConfig({}));
  });

  test("undefined values count as unset", () => {
    expect(loadConfig({ PORT: undefined, LOG_LEVEL: undefined })).toEqual(loadConfig({}));
  });

  test("unrelated variables are ignored", () => {
    expect(loadConfig({ PATH: "/usr/bin", HOME: "/root" })).toEqual(loadConfig({}));
  });
});

describe("loadConfig explicit values", () => {
  test("valid values are read", () => {
    const config = loadConfig({
      PORT: "8080",
      HOST: "127.0.0.1",
      DIGICERT_TIMEOUT_MS: "5000",
      LOG_LEVEL: "debug",
    });

    expect(config.port).toBe(8080);
    expect(config.host).toBe("127.0.0.1");
    expect(config.digicertTimeoutMs).toBe(5000);
    expect(config.logLevel).toBe("debug");
  });

  test.each(["0", "65535"])("PORT %s accepted", (port) => {
    expect(loadConfig({ PORT: port }).port).toBe(Number(port));
  });

  test.each(["100", "300000"])("DIGICERT_TIMEOUT_MS %s accepted", (timeout) => {
    expect(loadConfig({ DIGICERT_TIMEOUT_MS: timeout }).digicertTimeoutMs).toBe(Number(timeout));
  });

  test.each(["fatal", "error", "warn", "info", "debug", "trace", "silent"])("LOG_LEVEL %s accepted", (level) => {
    expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
  });
});

describe("loadConfig DIGICERT_API_URL", () => {
  test("EU instance accepted", () => {
    const config = loadConfig({ DIGICERT_API_URL: "https://certcentral.digicert.eu/services/v2" });

    expect(config.digicertApiUrl).toBe("https://certcentral.digicert.eu/services/v2");
  });

  test("trailing slash stripped", () => {
    const config = loadConfig({ DIGICERT_API_URL: "https://www.digicert.com/services/v2/" });

    expect(config.digicertApiUrl).toBe("https://www.digicert.com/services/v2");
  });

  test("several trailing slashes stripped", () => {
    const config = loadConfig({ DIGICERT_API_URL: "https://certcentral.digicert.eu/services/v2///" });

    expect(config.digicertApiUrl).toBe("https://certcentral.digicert.eu/services/v2");
  });

  test.each([
    ["http://localhost:4010/services/v2", "http://localhost:4010/services/v2"],
    ["http://127.0.0.1:4010/services/v2", "http://127.0.0.1:4010/services/v2"],
    ["http://127.8.9.10/services/v2/", "http://127.8.9.10/services/v2"],
    ["http://[::1]:4010/services/v2", "http://[::1]:4010/services/v2"],
  ])("http loopback %s accepted", (value, expected) => {
    expect(loadConfig({ DIGICERT_API_URL: value }).digicertApiUrl).toBe(expected);
  });

  test.each([
    "http://www.digicert.com/services/v2",
    "http://10.0.0.5/services/v2",
    "http://128.0.0.1/services/v2",
    "http://[::2]/services/v2",
    "http://localhost.example.com/services/v2",
    "http://127.0.0.1.example.com/services/v2",
  ])("http non-loopback %s rejected", (value) => {
    expect(problemLines(configErrorFor({ DIGICERT_API_URL: value }))).toEqual([HTTPS_RULE]);
  });

  test("other scheme rejected", () => {
    const error = configErrorFor({ DIGICERT_API_URL: "ftp://www.digicert.com/services/v2" });

    expect(problemLines(error)).toEqual([HTTPS_RULE]);
  });

  test("relative URL rejected", () => {
    const error = configErrorFor({ DIGICERT_API_URL: "www.digicert.com/services/v2" });

    expect(problemLines(error)).toEqual([
      "DIGICERT_API_URL: DIGICERT_API_URL must be an absolute URL such as https://www.digicert.com/services/v2",
    ]);
  });

  test("credentials rejected without echo", () => {
    const error = configErrorFor({ DIGICERT_API_URL: "https://ops:Hunter2Secret@www.digicert.com/services/v2" });

    expect(problemLines(error)).toEqual([NO_EXTRAS_RULE]);
    expect(error.message).not.toContain("Hunter2Secret");
    expect(error.message).not.toContain("ops:");
  });

  test("password-only credentials rejected", () => {
    const error = configErrorFor({ DIGICERT_API_URL: "https://:Hunter2Secret@www.digicert.com/services/v2" });

    expect(problemLines(error)).toEqual([NO_EXTRAS_RULE]);
    expect(error.message).not.toContain("Hunter2Secret");
  });

  test("credentials on plain http not echoed", () => {
    const error = configErrorFor({ DIGICERT_API_URL: "http://ops:Hunter2Secret@www.digicert.com/services/v2" });

    expect(problemLines(error)).toEqual([HTTPS_RULE]);
    expect(error.message).not.toContain("Hunter2Secret");
  });

  test("query rejected without echo", () => {
    const error = configErrorFor({ DIGICERT_API_URL: "https://www.digicert.com/services/v2?api_key=Hunter2Secret" });

    expect(problemLines(error)).toEqual([NO_EXTRAS_RULE]);
    expect(error.message).not.toContain("Hunter2Secret");
  });

  test("fragment rejected", () => {
    const error = configErrorFor({ DIGICERT_API_URL: "https://www.digicert.com/services/v2#orders" });

    expect(problemLines(error)).toEqual([NO_EXTRAS_RULE]);
  });

  // A base URL ending in "?" or "#" would turn the path appended to it into a query or a fragment.
  test("empty query marker rejected", () => {
    const error = configErrorFor({ DIGICERT_API_URL: "https://www.digicert.com/services/v2?" });

    expect(problemLines(error)).toEqual([NO_EXTRAS_RULE]);
  });

  test("empty fragment marker rejected", () => {
    const error = configErrorFor({ DIGICERT_API_URL: "https://www.digicert.com/services/v2#" });

    expect(problemLines(error)).toEqual([NO_EXTRAS_RULE]);
  });
});

describe("loadConfig numeric variables", () => {
  test.each([
    ["non-numeric", "http"],
    ["negative", "-1"],
    ["fractional", "4000.5"],
    ["above range", "65536"],
    ["exponent notation", "4e3"],
  ])("PORT %s rejected", (_case, value) => {
    const error = configErrorFor({ PORT: value });

    expect(problemLines(error)).toEqual([`PORT: ${PORT_RULE} (got "${value}")`]);
  });

  test.each([
    ["non-numeric", "soon"],
    ["negative", "-5000"],
    ["below range", "99"],
    ["above range", "300001"],
  ])("DIGICERT_TIMEOUT_MS %s rejected", (_case, value) => {
    const error = configErrorFor({ DIGICERT_TIMEOUT_MS: value });

    expect(problemLines(error)).toEqual([`DIGICERT_TIMEOUT_MS: ${TIMEOUT_RULE} (got "${value}")`]);
  });
});

describe("loadConfig LOG_LEVEL", () => {
  test("unknown level names accepted values", () => {
    const error = configErrorFor({ LOG_LEVEL: "verbose" });

    expect(problemLines(error)).toEqual([
      'LOG_LEVEL: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")',
    ]);
  });

  test("upper-case level rejected", () => {
    const error = configErrorFor({ LOG_LEVEL: "INFO" });

    expect(error.message).toContain("LOG_LEVEL must be one of");
  });
});

describe("loadConfig CORS_ORIGINS", () => {
  test("comma-separated origins parsed", () => {
    const config = loadConfig({ CORS_ORIGINS: "https://admin.example.com,http://localhost:3000" });

    expect(config.corsOrigins).toEqual(["https://admin.example.com", "http://localhost:3000"]);
  });

  test("spaces and empty entries ignored", () => {
    const config = loadConfig({ CORS_ORIGINS: " https://admin.example.com , ,http://localhost:3000,," });

    expect(config.corsOrigins).toEqual(["https://admin.example.com", "http://localhost:3000"]);
  });

  test("explicit origins replace Sandbox defaults", () => {
    const config = loadConfig({ CORS_ORIGINS: "https://admin.example.com" });

    expect(config.corsOrigins).not.toContain("https://studio.apollographql.com");
  });

  test("production honours explicit origins", () => {
    const config = loadConfig({ NODE_ENV: "production", CORS_ORIGINS: "https://admin.example.com" });

    expect(config.corsOrigins).toEqual(["https://admin.example.com"]);
  });

  test("only separators yields no origins", () => {
    expect(loadConfig({ CORS_ORIGINS: " , " }).corsOrigins).toEqual([]);
  });

  test("origin with path rejected", () => {
    const error = configErrorFor({ CORS_ORIGINS: "https://admin.example.com,https://admin.example.com/graphql" });

    expect(problemLines(error)).toEqual([
      'CORS_ORIGINS: CORS_ORIGINS contains "https://admin.example.com/graphql", which is not an origin: use scheme://host[:port] with no path, separated by commas',
    ]);
  });

  test("bare hostname rejected", () => {
    const error = configErrorFor({ CORS_ORIGINS: "admin.example.com" });

    expect(error.message).toContain('CORS_ORIGINS contains "admin.example.com", which is not an origin');
  });
});

describe("loadConfig error reporting", () => {
  test("error is a ConfigError", () => {
    const error = configErrorFor({ PORT: "http" });

    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ConfigError");
  });

  test("message starts with heading", () => {
    const error = configErrorFor({ PORT: "http" });

    expect(error.message.split("\n")[0]).toBe("Invalid configuration:");
  });

  test("several bad variables reported together", () => {
    const error = configErrorFor({
      PORT: "65536",
      DIGICERT_API_URL: "http://www.digicert.com/services/v2",
      DIGICERT_TIMEOUT_MS: "fast",
      LOG_LEVEL: "verbose",
      CORS_ORIGINS: "https://admin.example.com/graphql",
    });
    const variables = problemLines(error).map((line) => line.split(":")[0]);

    expect(variables).toEqual(["PORT", "DIGICERT_API_URL", "DIGICERT_TIMEOUT_MS", "LOG_LEVEL", "CORS_ORIGINS"]);
  });

  test("valid variables not reported", () => {
    const error = configErrorFor({ PORT: "8080", LOG_LEVEL: "loud" });

    expect(problemLines(error)).toHaveLength(1);
    expect(error.message).not.toContain("PORT");
  });
});

describe("loadConfig switches", () => {
  test("switches follow production by default", () => {
    const production = loadConfig({ NODE_ENV: "production" });
    const development = loadConfig({});

    expect([production.introspection, production.sandbox]).toEqual([false, false]);
    expect([development.introspection, development.sandbox]).toEqual([true, true]);
  });

  test("SANDBOX on in production allows Sandbox origins", () => {
    const config = loadConfig({ NODE_ENV: "production", SANDBOX: "true" });

    expect(config.sandbox).toBe(true);
    expect(config.corsOrigins).toEqual(["https://studio.apollographql.com", "https://sandbox.embed.apollographql.com"]);
  });

  test("INTROSPECTION rejects other words", () => {
    expect(() => loadConfig({ INTROSPECTION: "yes" })).toThrow("INTROSPECTION: INTROSPECTION must be true or false");
  });
});
