import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { startSimulator, type CertCentralSimulator, type SimulatorOptions } from "../simulator/certcentral.js";
import { SEEDED_KEYS } from "../simulator/seed.js";

// Every simulator in this file listens on 127.0.0.1 with an ephemeral port, and every
// request goes to that simulator's baseUrl.

const UNKNOWN_KEY = "sim-unknown-9z8y7x6w5v4u";
const TIMESTAMP_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;

interface SimulatorResponse {
  status: number;
  headers: Headers;
  text: string;
}

interface RevokeOptions {
  /** Value of X-DC-DEVKEY. The header is left out when this is undefined. */
  key?: string | undefined;
  /** Request body, serialized as JSON unless rawBody is given. */
  body?: unknown;
  /** Body sent exactly as given. */
  rawBody?: string;
  method?: string;
  /** Path after the base URL, by default the order revoke path. */
  path?: string;
  signal?: AbortSignal;
}

const started: CertCentralSimulator[] = [];

async function start(options?: SimulatorOptions): Promise<CertCentralSimulator> {
  const simulator = await startSimulator(0, options);
  started.push(simulator);
  return simulator;
}

afterEach(async () => {
  const running = started.splice(0);
  for (const simulator of running) await simulator.close();
});

/** Sends a request to the simulator, by default PUT /order/certificate/{orderId}/revoke. */
async function send(
  simulator: CertCentralSimulator,
  orderId: string | number,
  options: RevokeOptions = {},
): Promise<SimulatorResponse> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (options.key !== undefined) headers["x-dc-devkey"] = options.key;

  let body: string | undefined = options.rawBody;
  if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);

  const path = options.path ?? `/order/certificate/${orderId}/revoke`;
  const response = await fetch(`${simulator.baseUrl}${path}`, {
    method: options.method ?? "PUT",
    headers,
    ...(body === undefined ? {} : { body }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** Asserts DigiCert's error body `{"errors":[{"code","message"}]}` with the given status and code. */
function expectDigicertError(response: SimulatorResponse, status: number, code: string | RegExp): void {
  expect(response.status).toBe(status);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  expect(JSON.parse(response.text)).toStrictEqual({
    errors: [
      {
        code: typeof code === "string" ? code : expect.stringMatching(code),
        message: expect.stringMatching(/\S/),
      },
    ],
  });
}

describe("simulator pending revocation", () => {
  let simulator: CertCentralSimulator;

  beforeEach(async () => {
    simulator = await start();
  });

  test("non-admin key gets 201 request", async () => {
    const response = await send(simulator, 1001, {
      key: SEEDED_KEYS.user,
      body: { revocation_reason: "keyCompromise", comments: "Key leaked in a build log" },
    });

    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(JSON.parse(response.text)).toStrictEqual({
      id: expect.any(Number),
      date: expect.stringMatching(TIMESTAMP_WITH_OFFSET),
      type: "revoke",
      status: "pending",
      requester: { id: 102, first_name: "Uma", last_name: "User", email: "uma.user@example.com" },
      comments: "Key leaked in a build log",
    });
  });

  test("request date is current time", async () => {
    const before = Date.now();
    const response = await send(simulator, 1001, { key: SEEDED_KEYS.user });
    const after = Date.now();
    const date = Date.parse((JSON.parse(response.text) as { date: string }).date);

    expect(date).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(date).toBeLessThanOrEqual(after);
  });

  test("requester carries no role", async () => {
    const response = await send(simulator, 1001, { key: SEEDED_KEYS.user });
    const body = JSON.parse(response.text) as { requester: Record<string, unknown> };

    expect(body.requester).not.toHaveProperty("role");
  });

  test("comments omitted when not sent", async () => {
    const response = await send(simulator, 1001, { key: SEEDED_KEYS.user, body: { revocation_reason: "superseded" } });

    expect(response.status).toBe(201);
    expect(JSON.parse(response.text)).not.toHaveProperty("comments");
  });

  test("empty body accepted", async () => {
    const response = await send(simulator, 1001, { key: SEEDED_KEYS.user });

    expect(response.status).toBe(201);
  });

  test("request stored on order", async () => {
    const response = await send(simulator, 1002, { key: SEEDED_KEYS.user, body: { comments: "Replaced" } });
    const body = JSON.parse(response.text) as { id: number };
    const order = simulator.orders.get(1002);

    expect(order?.status).toBe("issued");
    expect(order?.requests).toHaveLength(1);
    expect(order?.requests[0]?.id).toBe(body.id);
    expect(order?.requests[0]?.comments).toBe("Replaced");
  });

  test("request ids increase", async () => {
    const first = JSON.parse((await send(simulator, 1001, { key: SEEDED_KEYS.user })).text) as { id: number };
    const second = JSON.parse((await send(simulator, 1002, { key: SEEDED_KEYS.user })).text) as { id: number };

    expect(second.id).toBeGreaterThan(first.id);
  });

  test("admin without skip_approval gets 201", async () => {
    const response = await send(simulator, 1003, { key: SEEDED_KEYS.administrator, body: { skip_approval: false } });

    expect(response.status).toBe(201);
    expect(simulator.orders.get(1003)?.status).toBe("issued");
  });

  test("misnamed comment key dropped", async () => {
    const response = await send(simulator, 1004, { key: SEEDED_KEYS.user, body: { comment: "Sent under the wrong key" } });

    expect(response.status).toBe(201);
    expect(JSON.parse(response.text)).not.toHaveProperty("comments");
    expect(JSON.parse(response.text)).not.toHaveProperty("comment");
    expect(simulator.orders.get(1004)?.requests[0]?.comments).toBeUndefined();
  });

  test.each(["unspecified", "keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation"])(
    "reason %s accepted",
    async (reason) => {
      const response = await send(simulator, 1005, { key: SEEDED_KEYS.user, body: { revocation_reason: reason } });

      expect(response.status).toBe(201);
    },
  );
});

describe("simulator immediate revocation", () => {
  let simulator: CertCentralSimulator;

  beforeEach(async () => {
    simulator = await start();
  });

  test("admin skip_approval gets 204", async () => {
    const response = await send(simulator, 1001, {
      key: SEEDED_KEYS.administrator,
      body: { skip_approval: true, comments: "Not stored" },
    });

    expect(response.status).toBe(204);
    expect(response.text).toBe("");
  });

  test("admin skip_approval revokes order", async () => {
    await send(simulator, 1001, { key: SEEDED_KEYS.administrator, body: { skip_approval: true } });
    const order = simulator.orders.get(1001);

    expect(order?.status).toBe("revoked");
    expect(order?.requests).toHaveLength(0);
  });

  test("non-admin skip_approval files request", async () => {
    const response = await send(simulator, 1001, { key: SEEDED_KEYS.user, body: { skip_approval: true } });

    expect(response.status).toBe(201);
    expect(simulator.orders.get(1001)?.status).toBe("issued");
  });

  test("forbidden mode rejects non-admin skip", async () => {
    const forbidding = await start({ nonAdminSkipApproval: "forbidden" });
    const response = await send(forbidding, 1001, { key: SEEDED_KEYS.user, body: { skip_approval: true } });

    expectDigicertError(response, 403, "access_denied|missing_permission");
    expect(forbidding.orders.get(1001)?.requests).toHaveLength(0);
  });

  test("forbidden mode still lets admin skip", async () => {
    const forbidding = await start({ nonAdminSkipApproval: "forbidden" });
    const response = await send(forbidding, 1001, { key: SEEDED_KEYS.administrator, body: { skip_approval: true } });

    expect(response.status).toBe(204);
  });
});

describe("simulator key errors", () => {
  let simulator: CertCentralSimulator;

  beforeEach(async () => {
    simulator = await start();
  });

  test("unknown key gets 401", async () => {
    const response = await send(simulator, 1001, { key: UNKNOWN_KEY });

    expectDigicertError(response, 401, "access_denied|invalid_api_key");
  });

  test("missing key gets 401", async () => {
    const response = await send(simulator, 1001);

    expectDigicertError(response, 401, "access_denied|invalid_api_key");
  });

  test("unknownKeyStatus 403 honoured", async () => {
    const strict = await start({ unknownKeyStatus: 403 });
    const response = await send(strict, 1001, { key: UNKNOWN_KEY });

    expectDigicertError(response, 403, "access_denied|invalid_api_key");
  });

  test("view-only key gets 403", async () => {
    const response = await send(simulator, 1001, { key: SEEDED_KEYS.viewOnly, body: { skip_approval: true } });

    expectDigicertError(response, 403, "access_denied|missing_permission");
    expect(simulator.orders.get(1001)?.status).toBe("issued");
  });
});

describe("simulator request errors", () => {
  let simulator: CertCentralSimulator;

  beforeEach(async () => {
    simulator = await start();
  });

  test("unknown order gets 404", async () => {
    const response = await send(simulator, 9999, { key: SEEDED_KEYS.user });

    expectDigicertError(response, 404, "not_found|order");
  });

  test("non-numeric id gets route 404", async () => {
    const response = await send(simulator, "www1.example.com", { key: SEEDED_KEYS.user });

    expectDigicertError(response, 404, "not_found|route");
  });

  test("unknown path gets route 404", async () => {
    const response = await send(simulator, 1001, { key: SEEDED_KEYS.user, path: "/order/certificate/1001/cancel" });

    expectDigicertError(response, 404, "not_found|route");
  });

  test("wrong method gets route 404", async () => {
    const response = await send(simulator, 1001, { key: SEEDED_KEYS.user, method: "POST" });

    expectDigicertError(response, 404, "not_found|route");
  });

  test("path without API prefix gets 404", async () => {
    const origin = new URL(simulator.baseUrl).origin;
    const response = await fetch(`${origin}/order/certificate/1001/revoke`, {
      method: "PUT",
      headers: { "x-dc-devkey": SEEDED_KEYS.user, "content-type": "application/json" },
      body: "{}",
    });

    expectDigicertError(
      { status: response.status, headers: response.headers, text: await response.text() },
      404,
      "not_found|route",
    );
  });

  test("malformed JSON gets 400", async () => {
    const response = await send(simulator, 1001, { key: SEEDED_KEYS.user, rawBody: '{"comments": "unterminated' });

    expectDigicertError(response, 400, "bad_request_format");
  });

  test("JSON array body gets 400", async () => {
    const response = await send(simulator, 1001, { key: SEEDED_KEYS.user, rawBody: "[]" });

    expectDigicertError(response, 400, "bad_request_format");
  });

  test("JSON with charset accepted", async () => {
    const response = await fetch(`${simulator.baseUrl}/order/certificate/1001/revoke`, {
      method: "PUT",
      headers: { "x-dc-devkey": SEEDED_KEYS.user, "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ comments: "With charset" }),
    });

    expect(response.status).toBe(201);
  });

  test("misspelled reason gets 400", async () => {
    const response = await send(simulator, 1001, { key: SEEDED_KEYS.user, body: { revocation_reason: "key_compromise" } });

    expectDigicertError(response, 400, /\S/);
    expect(simulator.orders.get(1001)?.requests).toHaveLength(0);
  });

  test("non-string reason gets 400", async () => {
    const response = await send(simulator, 1001, { key: SEEDED_KEYS.user, body: { revocation_reason: 1 } });

    expectDigicertError(response, 400, /\S/);
  });

  test("already revoked order gets 400", async () => {
    const response = await send(simulator, 1009, { key: SEEDED_KEYS.administrator, body: { skip_approval: true } });

    expectDigicertError(response, 400, /\S/);
  });

  test("pending request order gets 400", async () => {
    const response = await send(simulator, 1010, { key: SEEDED_KEYS.user });

    expectDigicertError(response, 400, /\S/);
    expect(simulator.orders.get(1010)?.requests).toHaveLength(1);
  });

  test("second request on order gets 400", async () => {
    await send(simulator, 1006, { key: SEEDED_KEYS.user });
    const response = await send(simulator, 1006, { key: SEEDED_KEYS.user });

    expectDigicertError(response, 400, /\S/);
  });

  test("repeated immediate revocation gets 400", async () => {
    await send(simulator, 1007, { key: SEEDED_KEYS.administrator, body: { skip_approval: true } });
    const response = await send(simulator, 1007, { key: SEEDED_KEYS.administrator, body: { skip_approval: true } });

    expectDigicertError(response, 400, /\S/);
  });
});

describe("simulator rate limit", () => {
  test("101st request in 5 s gets 429", async () => {
    const simulator = await start();

    // Order 9999 does not exist, so the first 100 requests are rejected with 404 and
    // change nothing, but each still counts against the key's limit.
    const first = await Promise.all(Array.from({ length: 100 }, () => send(simulator, 9999, { key: SEEDED_KEYS.user })));
    const limited = await send(simulator, 9999, { key: SEEDED_KEYS.user });
    const otherKey = await send(simulator, 9999, { key: SEEDED_KEYS.administrator });

    expect(first.map((response) => response.status)).toEqual(Array.from({ length: 100 }, () => 404));
    expectDigicertError(limited, 429, "request_limit_exceeded");
    expectDigicertError(otherKey, 404, "not_found|order");
  });

  test("request over small limit gets 429", async () => {
    const simulator = await start({ rateLimits: [{ limit: 3, windowMs: 1000 }] });

    const allowed = [];
    for (const orderId of [1001, 1002, 1003]) allowed.push(await send(simulator, orderId, { key: SEEDED_KEYS.user }));
    const limited = await send(simulator, 1004, { key: SEEDED_KEYS.user });

    expect(allowed.map((response) => response.status)).toEqual([201, 201, 201]);
    expectDigicertError(limited, 429, "request_limit_exceeded");
    expect(simulator.orders.get(1004)?.requests).toHaveLength(0);
  });

  test("limited key leaves other keys", async () => {
    const simulator = await start({ rateLimits: [{ limit: 3, windowMs: 1000 }] });

    for (let index = 0; index < 4; index += 1) await send(simulator, 9999, { key: SEEDED_KEYS.user });
    const otherKey = await send(simulator, 1001, { key: SEEDED_KEYS.administrator });

    expect(otherKey.status).toBe(201);
  });

  test("key accepted after window passes", async () => {
    const simulator = await start({ rateLimits: [{ limit: 3, windowMs: 1000 }] });

    for (let index = 0; index < 4; index += 1) await send(simulator, 9999, { key: SEEDED_KEYS.user });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const response = await send(simulator, 1001, { key: SEEDED_KEYS.user });

    expect(response.status).toBe(201);
  });

  test("429 has no Retry-After by default", async () => {
    const simulator = await start({ rateLimits: [{ limit: 1, windowMs: 1000 }] });

    await send(simulator, 9999, { key: SEEDED_KEYS.user });
    const limited = await send(simulator, 9999, { key: SEEDED_KEYS.user });

    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBeNull();
  });

  test("retryAfterSeconds adds Retry-After header", async () => {
    const simulator = await start({ rateLimits: [{ limit: 1, windowMs: 1000 }], retryAfterSeconds: 7 });

    await send(simulator, 9999, { key: SEEDED_KEYS.user });
    const limited = await send(simulator, 9999, { key: SEEDED_KEYS.user });

    expectDigicertError(limited, 429, "request_limit_exceeded");
    expect(limited.headers.get("retry-after")).toBe("7");
  });
});

describe("simulator recording", () => {
  let simulator: CertCentralSimulator;

  beforeEach(async () => {
    simulator = await start();
  });

  test("records method, url, headers and body", async () => {
    const rawBody = JSON.stringify({ revocation_reason: "superseded", comments: "Replaced" });
    await send(simulator, 1001, { key: SEEDED_KEYS.user, rawBody, path: "/order/certificate/1001/revoke?trace=1" });

    expect(simulator.received).toHaveLength(1);
    const [recorded] = simulator.received;
    expect(recorded?.method).toBe("PUT");
    expect(recorded?.url).toBe("/services/v2/order/certificate/1001/revoke?trace=1");
    expect(recorded?.headers["x-dc-devkey"]).toBe(SEEDED_KEYS.user);
    expect(recorded?.headers["content-type"]).toBe("application/json");
    expect(recorded?.rawBody).toBe(rawBody);
    expect(recorded?.body).toEqual({ revocation_reason: "superseded", comments: "Replaced" });
    expect(recorded?.receivedAt).toBeInstanceOf(Date);
  });

  test("records malformed body raw only", async () => {
    await send(simulator, 1001, { key: SEEDED_KEYS.user, rawBody: "{not json" });

    expect(simulator.received[0]?.rawBody).toBe("{not json");
    expect(simulator.received[0]?.body).toBeUndefined();
  });

  test("records empty body as empty", async () => {
    await send(simulator, 1001, { key: SEEDED_KEYS.user });

    expect(simulator.received[0]?.rawBody).toBe("");
    expect(simulator.received[0]?.body).toBeUndefined();
  });

  test("records refused requests", async () => {
    await send(simulator, 1001, { key: UNKNOWN_KEY });
    await send(simulator, 1001, { key: SEEDED_KEYS.user, method: "GET", path: "/request/4001" });

    expect(simulator.received.map((request) => `${request.method} ${request.url}`)).toEqual([
      "PUT /services/v2/order/certificate/1001/revoke",
      "GET /services/v2/request/4001",
    ]);
  });

  test("records requests in order", async () => {
    await send(simulator, 1001, { key: SEEDED_KEYS.user });
    await send(simulator, 1002, { key: SEEDED_KEYS.user });
    await send(simulator, 1003, { key: SEEDED_KEYS.user });

    expect(simulator.received.map((request) => request.url)).toEqual([
      "/services/v2/order/certificate/1001/revoke",
      "/services/v2/order/certificate/1002/revoke",
      "/services/v2/order/certificate/1003/revoke",
    ]);
  });
});

describe("simulator scripted answers", () => {
  let simulator: CertCentralSimulator;

  beforeEach(async () => {
    simulator = await start();
  });

  test("scripted answers used in order", async () => {
    simulator.script(
      { status: 503, headers: { "content-type": "text/html" }, body: "<html>Service Unavailable</html>" },
      { status: 500, body: '{"errors":[{"code":"internal_error","message":"Boom."}]}' },
    );

    const first = await send(simulator, 1001, { key: SEEDED_KEYS.user });
    const second = await send(simulator, 1002, { key: SEEDED_KEYS.user });
    const third = await send(simulator, 1003, { key: SEEDED_KEYS.user });

    expect(first.status).toBe(503);
    expect(first.headers.get("content-type")).toMatch(/^text\/html/);
    expect(first.text).toBe("<html>Service Unavailable</html>");
    expect(second.status).toBe(500);
    expect(second.text).toBe('{"errors":[{"code":"internal_error","message":"Boom."}]}');
    expect(third.status).toBe(201);
  });

  test("scripted answer skips normal handling", async () => {
    simulator.script({ status: 204 });

    const response = await send(simulator, 1001, { key: SEEDED_KEYS.user });

    expect(response.status).toBe(204);
    expect(simulator.orders.get(1001)?.status).toBe("issued");
    expect(simulator.orders.get(1001)?.requests).toHaveLength(0);
  });

  test("scripted answer overrides key check", async () => {
    simulator.script({ status: 201, body: "{}" });

    const response = await send(simulator, 1001, { key: UNKNOWN_KEY });

    expect(response.status).toBe(201);
  });

  test("scripted requests still recorded", async () => {
    simulator.script({ status: 502 });

    await send(simulator, 1001, { key: SEEDED_KEYS.user, body: { comments: "Recorded anyway" } });

    expect(simulator.received).toHaveLength(1);
    expect(simulator.received[0]?.body).toEqual({ comments: "Recorded anyway" });
  });

  test("reset fault fails the request", async () => {
    simulator.script({ fault: "reset" });

    await expect(send(simulator, 1001, { key: SEEDED_KEYS.user })).rejects.toThrow();
  });

  test("hang fault leaves request unanswered", async () => {
    simulator.script({ fault: "hang" });

    await expect(send(simulator, 1001, { key: SEEDED_KEYS.user, signal: AbortSignal.timeout(300) })).rejects.toThrow();
  });

  test("close finishes despite hung request", async () => {
    simulator.script({ fault: "hang" });
    const pending = send(simulator, 1001, { key: SEEDED_KEYS.user });
    await new Promise((resolve) => setTimeout(resolve, 100));

    await simulator.close();
    started.splice(started.indexOf(simulator), 1);

    await expect(pending).rejects.toThrow();
  });
});
