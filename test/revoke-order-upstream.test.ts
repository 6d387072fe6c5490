import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import type { ScriptedAnswer } from "../simulator/certcentral.js";
import { SEEDED_KEYS } from "../simulator/seed.js";
import type { LookupFunction } from "node:net";
import type { Got } from "got";
import { createDigicertHttp } from "../src/digicert/http.js";
import { RevokeOrderDocument } from "./generated/operations.js";
import { postGraphQL, startHarness, type Harness } from "./helpers/harness.js";

/** A key that must never appear in a response or a log line. */
const SENTINEL_KEY = "SENTINEL-key-that-must-never-leak-5c2e9";
const SENTINEL = { "x-dc-devkey": SENTINEL_KEY };
const USER = { "x-dc-devkey": SEEDED_KEYS.user };

const json = (status: number, body: unknown, headers: Record<string, string> = {}): ScriptedAnswer => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});
const digicertErrors = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  json(status, { errors: [{ code, message }] }, headers);

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ env: { DIGICERT_TIMEOUT_MS: "700" } });
});

afterAll(async () => {
  await harness.close();
});

afterEach(() => {
  harness.simulator.received.length = 0;
});

async function revokeWith(answer: ScriptedAnswer, variables: { orderId: string; skipApproval?: boolean } = { orderId: "1001" }, headers = SENTINEL) {
  harness.simulator.script(answer);
  return postGraphQL(harness.graphqlUrl, RevokeOrderDocument, variables, headers);
}

describe("revokeOrder upstream answers", () => {
  test.each<[string, ScriptedAnswer, Record<string, unknown>, RegExp]>([
    [
      "401 is UNAUTHENTICATED",
      digicertErrors(401, "access_denied|invalid_api_key", "Invalid API key."),
      { code: "UNAUTHENTICATED", revocationOutcome: "NOT_REVOKED", digicert: { status: 401, errors: [{ code: "access_denied|invalid_api_key", message: "Invalid API key." }] } },
      /^DigiCert rejected the API key sent in X-DC-DEVKEY \(HTTP 401, access_denied\|invalid_api_key: Invalid API key\.\)\. Send an active CertCentral API key\.$/,
    ],
    [
      "403 is FORBIDDEN",
      digicertErrors(403, "access_denied|missing_permission", "No permission."),
      { code: "FORBIDDEN", revocationOutcome: "NOT_REVOKED", digicert: { status: 403, errors: [{ code: "access_denied|missing_permission", message: "No permission." }] } },
      /^DigiCert refused to let this API key revoke order 1001 \(HTTP 403, access_denied\|missing_permission: No permission\.\)\. A View Only key/,
    ],
    [
      "404 not_found|order is ORDER_NOT_FOUND",
      digicertErrors(404, "not_found|order", "Order not found."),
      { code: "ORDER_NOT_FOUND", revocationOutcome: "NOT_REVOKED", digicert: { status: 404, errors: [{ code: "not_found|order", message: "Order not found." }] } },
      /^DigiCert has no order 1001 in the account of this API key\./,
    ],
    [
      "404 not_found|route is UPSTREAM_ERROR",
      digicertErrors(404, "not_found|route", "Route not found."),
      { code: "UPSTREAM_ERROR", revocationOutcome: "NOT_REVOKED", digicert: { status: 404, errors: [{ code: "not_found|route", message: "Route not found." }] } },
      /DIGICERT_API_URL is wrong; nothing was revoked/,
    ],
    [
      "unseen 409 is REVOCATION_REJECTED",
      digicertErrors(409, "conflict|pending_reissue", "The order has a pending reissue."),
      { code: "REVOCATION_REJECTED", revocationOutcome: "NOT_REVOKED", digicert: { status: 409, errors: [{ code: "conflict|pending_reissue", message: "The order has a pending reissue." }] } },
      /^DigiCert rejected the request to revoke order 1001 \(HTTP 409, conflict\|pending_reissue: The order has a pending reissue\.\)\.$/,
    ],
    [
      "429 without Retry-After waits 60 s",
      digicertErrors(429, "request_limit_exceeded", "Request limit exceeded."),
      { code: "RATE_LIMITED", revocationOutcome: "NOT_REVOKED", retryAfterSeconds: 60, digicert: { status: 429, errors: [{ code: "request_limit_exceeded", message: "Request limit exceeded." }] } },
      /Wait 60 s before trying again: DigiCert keeps blocking a key that keeps sending\./,
    ],
    [
      "429 with Retry-After uses it",
      digicertErrors(429, "request_limit_exceeded", "Request limit exceeded.", { "retry-after": "7" }),
      { code: "RATE_LIMITED", revocationOutcome: "NOT_REVOKED", retryAfterSeconds: 7, digicert: { status: 429, errors: [{ code: "request_limit_exceeded", message: "Request limit exceeded." }] } },
      /Wait 7 s before trying again/,
    ],
    [
      "429 with unreadable Retry-After waits 60 s",
      digicertErrors(429, "request_limit_exceeded", "Request limit exceeded.", { "retry-after": "1.5" }),
      { code: "RATE_LIMITED", revocationOutcome: "NOT_REVOKED", retryAfterSeconds: 60, digicert: { status: 429, errors: [{ code: "request_limit_exceeded", message: "Request limit exceeded." }] } },
      /Wait 60 s before trying again/,
    ],
    [
      "503 is UPSTREAM_ERROR with unknown outcome",
      digicertErrors(503, "service_unavailable", "Try later."),
      { code: "UPSTREAM_ERROR", revocationOutcome: "UNKNOWN", digicert: { status: 503, errors: [{ code: "service_unavailable", message: "Try later." }] } },
      /HTTP 503.*The revocation may have happened: check the order in CertCentral before trying again\./,
    ],
    [
      "500 with HTML is UPSTREAM_ERROR",
      { status: 500, headers: { "content-type": "text/html" }, body: "<html><body>Internal error</body></html>" },
      { code: "UPSTREAM_ERROR", revocationOutcome: "UNKNOWN", digicert: { status: 500, errors: [] } },
      /HTTP 500, no error details.*The revocation may have happened/,
    ],
    [
      "200 is UPSTREAM_ERROR with unknown outcome",
      json(200, { ok: true }),
      { code: "UPSTREAM_ERROR", revocationOutcome: "UNKNOWN" },
      /^DigiCert answered HTTP 200, which is not a documented answer.*The outcome is unknown/,
    ],
    [
      "201 with an empty body is UPSTREAM_ERROR",
      { status: 201, body: "" },
      { code: "UPSTREAM_ERROR", revocationOutcome: "UNKNOWN" },
      /201 Created.*\(the body is empty\)\. The outcome is unknown/,
    ],
    [
      "201 with a non-JSON body is UPSTREAM_ERROR",
      { status: 201, headers: { "content-type": "text/html" }, body: "<html>created</html>" },
      { code: "UPSTREAM_ERROR", revocationOutcome: "UNKNOWN" },
      /\(the body is not JSON\)\. The outcome is unknown/,
    ],
    [
      "201 with an unknown status is UPSTREAM_ERROR",
      json(201, { id: 5, date: "2016-02-10T17:06:15+00:00", status: "queued", requester: { id: 1 } }),
      { code: "UPSTREAM_ERROR", revocationOutcome: "UNKNOWN" },
      /\(status: .*\)\. The outcome is unknown/,
    ],
    [
      "201 without a request id is UPSTREAM_ERROR",
      json(201, { date: "2016-02-10T17:06:15+00:00", status: "pending", requester: { id: 1 } }),
      { code: "UPSTREAM_ERROR", revocationOutcome: "UNKNOWN" },
      /\(id: .*\)\. The outcome is unknown/,
    ],
  ])("%s", async (_case, answer, extensions, message) => {
    const result = await revokeWith(answer);

    expect(result.status).toBe(200);
    expect(result.body.data).toBeNull();
    expect(result.body.errors).toHaveLength(1);
    expect(result.body.errors?.[0]?.path).toEqual(["revokeOrder"]);
    expect(result.body.errors?.[0]?.extensions).toEqual(extensions);
    expect(result.body.errors?.[0]?.message).toMatch(message);
    expect(harness.simulator.received).toHaveLength(1);
    expect(result.text).not.toContain(SENTINEL_KEY);
  });

  test("403 after skipApproval says administrator rights are needed", async () => {
    const result = await revokeWith(digicertErrors(403, "access_denied|missing_permission", "No permission."), { orderId: "1001", skipApproval: true });

    expect(result.body.errors?.[0]?.message).toMatch(/skipApproval needs a key with administrator rights/);
  });

  test("view-only key is FORBIDDEN", async () => {
    const result = await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1001" }, { "x-dc-devkey": SEEDED_KEYS.viewOnly });

    expect(result.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(result.body.errors?.[0]?.message).toMatch(/View Only/);
  });

  test("REVOCATION_REJECTED keeps DigiCert's code and message", async () => {
    const result = await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1009" }, USER);

    expect(result.body.errors?.[0]?.extensions?.code).toBe("REVOCATION_REJECTED");
    expect(result.body.errors?.[0]?.message).toContain("invalid_order_status|revoked: The order is already revoked.");
  });

  test("404 route failure is logged as a configuration error", async () => {
    await revokeWith(digicertErrors(404, "not_found|route", "Route not found."));

    const entry = harness.logs.entries.find((line) => line.action === "revoke order 1001" && line.level === 50);
    expect(entry?.msg).toMatch(/DIGICERT_API_URL/);
  });

  test("429 Retry-After as an HTTP date", async () => {
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();

    const result = await revokeWith(digicertErrors(429, "request_limit_exceeded", "Slow down.", { "retry-after": inTenSeconds }));

    const seconds = result.body.errors?.[0]?.extensions?.retryAfterSeconds as number;
    expect(seconds).toBeGreaterThanOrEqual(8);
    expect(seconds).toBeLessThanOrEqual(11);
  });

  test("error body with a charset is parsed", async () => {
    const result = await revokeWith({
      status: 400,
      headers: { "content-type": "application/json; charset=UTF-8" },
      body: JSON.stringify({ errors: [{ code: "invalid_value|revocation_reason", message: "Invalid reason." }] }),
    });

    expect(result.body.errors?.[0]?.extensions?.digicert).toEqual({ status: 400, errors: [{ code: "invalid_value|revocation_reason", message: "Invalid reason." }] });
  });

  test("DigiCert messages echoing the key are redacted", async () => {
    const result = await revokeWith(digicertErrors(401, "access_denied|invalid_api_key", `Key ${SENTINEL_KEY} is invalid.`));

    expect(result.body.errors?.[0]?.extensions?.digicert).toEqual({
      status: 401,
      errors: [{ code: "access_denied|invalid_api_key", message: "Key [redacted] is invalid." }],
    });
  });

  test("oversized answer is UPSTREAM_ERROR", async () => {
    const result = await revokeWith({ status: 201, headers: { "content-type": "application/json" }, body: `{"padding":"${"x".repeat(200_000)}"}` });

    expect(result.body.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_ERROR", revocationOutcome: "UNKNOWN" });
    expect(result.body.errors?.[0]?.message).toMatch(/larger than 65536 bytes/);
  });

  test("endless chunked answer is cut at the cap", async () => {
    const started = Date.now();

    const result = await revokeWith({ fault: "endless-body" });

    expect(result.body.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_ERROR", revocationOutcome: "UNKNOWN" });
    expect(result.body.errors?.[0]?.message).toMatch(/larger than 65536 bytes/);
    expect(Date.now() - started).toBeLessThan(700);
    expect(harness.simulator.received).toHaveLength(1);
  });
});

describe("revokeOrder transport faults", () => {
  test("unanswered request is UPSTREAM_TIMEOUT within budget", async () => {
    const started = Date.now();

    const result = await revokeWith({ fault: "hang" });

    const elapsed = Date.now() - started;
    expect(result.body.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_TIMEOUT", revocationOutcome: "UNKNOWN" });
    expect(result.body.errors?.[0]?.message).toMatch(/within 700 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(650);
    expect(elapsed).toBeLessThan(700 + 1000);
    expect(harness.simulator.received).toHaveLength(1);
  });

  test("reset connection is UPSTREAM_ERROR with unknown outcome", async () => {
    const result = await revokeWith({ fault: "reset" });

    expect(result.body.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_ERROR", revocationOutcome: "UNKNOWN" });
    expect(harness.simulator.received).toHaveLength(1);
  });

  test("redirect is not followed and the key stays home", async () => {
    const elsewhere: http.IncomingMessage[] = [];
    const other = http.createServer((request, response) => {
      elsewhere.push(request);
      response.writeHead(204).end();
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const port = (other.address() as AddressInfo).port;

    for (const status of [302, 307]) {
      const result = await revokeWith({ status, headers: { location: `http://127.0.0.1:${port}/services/v2/order/certificate/1001/revoke` } });

      expect(result.body.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_ERROR", revocationOutcome: "UNKNOWN" });
    }
    await new Promise<void>((resolve) => other.close(() => resolve()));

    expect(elsewhere).toHaveLength(0);
    expect(harness.simulator.received).toHaveLength(2);
  });

  test("503 then success reaches DigiCert once", async () => {
    const failed = await revokeWith(digicertErrors(503, "service_unavailable", "Try later."), { orderId: "1004" }, USER);

    expect(failed.body.errors?.[0]?.extensions?.code).toBe("UPSTREAM_ERROR");
    expect(harness.simulator.received).toHaveLength(1);
    expect(harness.simulator.orders.get(1004)?.requests).toHaveLength(0);
  });

  test("stalled body is UPSTREAM_TIMEOUT within budget", async () => {
    const started = Date.now();

    const result = await revokeWith({ fault: "stall-body" });

    expect(result.body.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_TIMEOUT", revocationOutcome: "UNKNOWN" });
    expect(Date.now() - started).toBeLessThan(700 + 1000);
    expect(harness.simulator.received).toHaveLength(1);
  });

  test("DNS failure is UPSTREAM_UNAVAILABLE", async () => {
    let lookups = 0;
    const failingLookup: LookupFunction = (hostname, _options, callback) => {
      lookups += 1;
      callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND", hostname }), "", 4);
    };
    const unresolved = await startHarness({
      digicertApiUrl: "http://localhost:9/services/v2",
      overrides: (config) => ({ digicertHttp: createDigicertHttp(config).extend({ dnsLookup: failingLookup as Got["defaults"]["options"]["dnsLookup"] }) }),
    });

    try {
      const result = await postGraphQL(unresolved.graphqlUrl, RevokeOrderDocument, { orderId: "1001" }, SENTINEL);

      expect(result.body.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_UNAVAILABLE", revocationOutcome: "NOT_REVOKED" });
      expect(result.body.errors?.[0]?.message).toMatch(/ENOTFOUND/);
      expect(lookups).toBe(1);
    } finally {
      await unresolved.close();
    }
  });

  test("refused connection is UPSTREAM_UNAVAILABLE", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    // Counting lookups counts connection attempts: a refused connection is retried once.
    let lookups = 0;
    const countingLookup = ((_hostname: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      lookups += 1;
      if (options.all === true) callback(null, [{ address: "127.0.0.1", family: 4 }]);
      else callback(null, "127.0.0.1", 4);
    }) as unknown as LookupFunction;
    const offline = await startHarness({
      digicertApiUrl: `http://localhost:${port}/services/v2`,
      overrides: (config) => ({ digicertHttp: createDigicertHttp(config).extend({ dnsLookup: countingLookup as Got["defaults"]["options"]["dnsLookup"] }) }),
    });

    try {
      const result = await postGraphQL(offline.graphqlUrl, RevokeOrderDocument, { orderId: "1001" }, SENTINEL);

      expect(result.body.errors?.[0]?.extensions).toEqual({ code: "UPSTREAM_UNAVAILABLE", revocationOutcome: "NOT_REVOKED" });
      expect(result.body.errors?.[0]?.message).toMatch(/ECONNREFUSED/);
      expect(lookups).toBe(2);
      expect(offline.logs.text).toContain("retrying once");
      expect(result.text).not.toContain("127.0.0.1");
      expect(offline.logs.text).not.toContain(SENTINEL_KEY);
    } finally {
      await offline.close();
    }
  });
});

describe("revokeOrder secrets", () => {
  test("sentinel key never reaches responses or logs", async () => {
    const answers: ScriptedAnswer[] = [
      digicertErrors(401, "access_denied|invalid_api_key", `Invalid key ${SENTINEL_KEY}`),
      digicertErrors(403, `denied|${SENTINEL_KEY}`, `Key ${SENTINEL_KEY} may not revoke`),
      { status: 500, body: `<html>${SENTINEL_KEY}</html>` },
      { fault: "reset" },
      { fault: "hang" },
      { status: 302, headers: { location: "http://127.0.0.1:9/" } },
      { status: 201, body: SENTINEL_KEY },
    ];
    const texts: string[] = [];
    for (const answer of answers) {
      texts.push((await revokeWith(answer)).text);
    }

    expect(texts.join("\n")).not.toContain(SENTINEL_KEY);
    expect(harness.logs.text).not.toContain(SENTINEL_KEY);
    expect(harness.simulator.received).toHaveLength(answers.length);
  });

  test("responses carry no stack trace or upstream URL", async () => {
    const result = await revokeWith({ fault: "reset" });

    expect(result.text).not.toMatch(/stacktrace|\bat .*\.(ts|js):\d+/);
    expect(result.text).not.toContain(harness.simulator.baseUrl);
  });
});

describe("unexpected errors", () => {
  test.each([["unset"], ["development"], ["production"]])("NODE_ENV %s masks the error", async (nodeEnv) => {
    const broken = { stream: () => { throw new TypeError("cannot read internals at /srv/app/secret.js:12"); } } as unknown as Got;
    const faulty = await startHarness({
      env: nodeEnv === "unset" ? {} : { NODE_ENV: nodeEnv },
      overrides: () => ({ digicertHttp: broken }),
    });

    try {
      const result = await postGraphQL(faulty.graphqlUrl, RevokeOrderDocument, { orderId: "1001" }, SENTINEL);

      expect(result.status).toBe(200);
      expect(result.body.data).toBeNull();
      expect(result.body.errors?.[0]?.extensions).toEqual({ code: "INTERNAL_SERVER_ERROR", revocationOutcome: "UNKNOWN" });
      expect(result.body.errors?.[0]?.path).toEqual(["revokeOrder"]);
      expect(result.text).not.toMatch(/secret\.js|TypeError|stacktrace/);
      expect(faulty.logs.text).toContain("cannot read internals");
      expect(faulty.logs.text).not.toContain(SENTINEL_KEY);
    } finally {
      await faulty.close();
    }
  });
});
