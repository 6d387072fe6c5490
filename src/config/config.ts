import { isIP } from "node:net";
import { z } from "zod";

/** DigiCert CertCentral Services API v2, US instance. */
export const DEFAULT_DIGICERT_API_URL = "https://www.digicert.com/services/v2";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Validated service configuration, read once from the environment at start-up. */
export interface Config {
  /** TCP port the HTTP server listens on. */
  port: number;
  /** Interface the HTTP server binds to. */
  host: string;
  /** DigiCert Services API base URL, without a trailing slash. */
  digicertApiUrl: string;
  /** Budget for one whole DigiCert call (connect, send, wait, read), in milliseconds. */
  digicertTimeoutMs: number;
  /** Maximum wait for in-flight requests after SIGTERM or SIGINT, in milliseconds. */
  shutdownGraceMs: number;
  /** pino log level. */
  logLevel: (typeof LOG_LEVELS)[number];
  /** True when NODE_ENV is `production`. */
  production: boolean;
  /** Whether introspection queries are executed: INTROSPECTION, else on outside production. */
  introspection: boolean;
  /** Whether a browser GET of /graphql gets Apollo Sandbox: SANDBOX, else on outside production. */
  sandbox: boolean;
  /** Browser origins allowed to call /graphql across origins (CORS): CORS_ORIGINS, else Sandbox's when Sandbox is on. */
  corsOrigins: string[];
}

/** Thrown when an environment variable has an invalid value; the message names the variable. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Origins of Apollo Sandbox, allowed by default outside production so Sandbox can call the service. */
export const APOLLO_SANDBOX_ORIGINS = [
  "https://studio.apollographql.com",
  "https://sandbox.embed.apollographql.com",
];

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "");
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1";
  return false;
}

const integerString = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((value) => value >= min && value <= max, `${name} must be a whole number from ${min} to ${max}`);

const booleanString = (name: string) =>
  z.enum(["true", "false"], { error: `${name} must be true or false` }).transform((value) => value === "true");

const digicertApiUrl = z
  .string()
  .transform((value, ctx) => {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "DIGICERT_API_URL must be an absolute URL such as " + DEFAULT_DIGICERT_API_URL });
      return z.NEVER;
    }
    if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
      ctx.addIssue({
        code: "custom",
        message: "DIGICERT_API_URL must use https://; plain http:// is accepted only for loopback hosts (localhost, 127.0.0.0/8, ::1)",
      });
      return z.NEVER;
    }
    // URL drops an empty "?" or "#", so the raw text is checked for them too.
    if (url.username || url.password || value.includes("?") || value.includes("#")) {
      ctx.addIssue({
        code: "custom",
        message: "DIGICERT_API_URL must not contain credentials, a query or a fragment: give the API base such as " + DEFAULT_DIGICERT_API_URL,
      });
      return z.NEVER;
    }
    return url.href.replace(/\/+$/, "");
  });

const corsOrigins = z.string().transform((value, ctx) => {
  const origins = value
    .split(",")
    .map((origin) => origin.trim())
    .filter((origin) => origin !== "");
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || parsed.origin !== origin) {
      ctx.addIssue({
        code: "custom",
        // An entry with user info may carry a password, so it is not echoed.
        message: `CORS_ORIGINS contains ${origin.includes("@") ? "an entry" : `"${origin}"`}, which is not an origin: use scheme://host[:port] with no path, separated by commas`,
      });
      return z.NEVER;
    }
  }
  return origins;
});

const environmentSchema = z.object({
  PORT: integerString("PORT", 0, 65535).default(4000),
  HOST: z.string().min(1, "HOST must not be empty").default("0.0.0.0"),
  DIGICERT_API_URL: digicertApiUrl.default(DEFAULT_DIGICERT_API_URL),
  DIGICERT_TIMEOUT_MS: integerString("DIGICERT_TIMEOUT_MS", 100, 300_000).default(20_000),
  SHUTDOWN_GRACE_MS: integerString("SHUTDOWN_GRACE_MS", 0, 600_000).default(25_000),
  LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}` })
    .default("info"),
  NODE_ENV: z.string().optional(),
  INTROSPECTION: booleanString("INTROSPECTION").optional(),
  SANDBOX: booleanString("SANDBOX").optional(),
  CORS_ORIGINS: corsOrigins.optional(),
});

/**
 * Reads and validates the configuration from an environment (process.env by default).
 * Empty variables count as unset. Throws ConfigError naming every invalid variable.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.entries(environment).filter(([, value]) => value !== undefined && value !== ""),
  );
  const result = environmentSchema.safeParse(present);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? "environment");
      const received = present[variable];
      // A URL may carry credentials, so its value is never echoed.
      const shown = variable === "DIGICERT_API_URL" || variable === "CORS_ORIGINS" || received === undefined ? "" : ` (got "${received}")`;
      return `${variable}: ${issue.message}${shown}`;
    });
    throw new ConfigError(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }

  const env = result.data;
  const production = env.NODE_ENV === "production";
  const sandbox = env.SANDBOX ?? !production;
  return {
    port: env.PORT,
    host: env.HOST,
    digicertApiUrl: env.DIGICERT_API_URL,
    digicertTimeoutMs: env.DIGICERT_TIMEOUT_MS,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    logLevel: env.LOG_LEVEL,
    production,
    introspection: env.INTROSPECTION ?? !production,
    sandbox,
    // Sandbox runs in a frame on Apollo's origin and calls this service across origins.
    corsOrigins: env.CORS_ORIGINS ?? (sandbox ? APOLLO_SANDBOX_ORIGINS : []),
  };
}
