import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { SEEDED_KEYS } from "../simulator/seed.js";
import { RevokeOrderDocument } from "./generated/operations.js";
import { postGraphQL, startHarness, type Harness } from "./helpers/harness.js";

/** A key that must never appear in metrics or logs. */
const SENTINEL_KEY = "SENTINEL-metrics-key-never-shown-81f0";

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.close();
});

async function metricsText(): Promise<string> {
  const response = await fetch(new URL("/metrics", harness.graphqlUrl));
  expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
  return response.text();
}

describe("readiness", () => {
  test("readyz answers 200 when ready", async () => {
    const response = await fetch(new URL("/readyz", harness.graphqlUrl));

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ready" });
  });

  test("readyz answers 503 while draining", async () => {
    harness.server.lifecycle.draining = true;
    try {
      const response = await fetch(new URL("/readyz", harness.graphqlUrl));

      expect(response.status).toBe(503);
      expect(response.headers.get("connection")).toBe("close");
    } finally {
      harness.server.lifecycle.draining = false;
    }
  });
});

describe("metrics", () => {
  test("revocation is counted by operation and outcome", async () => {
    await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1001" }, { "x-dc-devkey": SEEDED_KEYS.user });

    const text = await metricsText();
    expect(text).toContain('revocation_gateway_graphql_operations_total{operation="RevokeOrder",outcome="OK"} 1');
    expect(text).toMatch(/revocation_gateway_digicert_request_duration_seconds_count\{endpoint="PUT \/order\/certificate\/\{order_id\}\/revoke",status="201"\} 1/);
    expect(text).toContain("revocation_gateway_revocations_in_flight 0");
  });

  test("429 is counted by key fingerprint", async () => {
    harness.simulator.script({ status: 429, headers: { "content-type": "application/json" }, body: '{"errors":[{"code":"request_limit_exceeded","message":"Slow down."}]}' });

    await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1002" }, { "x-dc-devkey": SENTINEL_KEY });

    const text = await metricsText();
    expect(text).toMatch(/revocation_gateway_digicert_rate_limited_total\{key_fingerprint="[0-9a-f]{12}"\} 1/);
    expect(text).toContain('revocation_gateway_graphql_operations_total{operation="RevokeOrder",outcome="RATE_LIMITED"} 1');
    expect(text).not.toContain(SENTINEL_KEY);
  });
});

describe("operation log line", () => {
  test("line carries order, upstream status and codes", async () => {
    await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "424242" }, { "x-dc-devkey": SEEDED_KEYS.user, "x-request-id": "log-line-check" });

    const line = harness.logs.entries.find((entry) => entry.requestId === "log-line-check" && entry.msg === "GraphQL operation finished");
    expect(line?.outcome).toBe("ORDER_NOT_FOUND");
    expect(line?.operationName).toBe("RevokeOrder");
    expect(line?.upstream).toEqual([
      expect.objectContaining({ orderId: "424242", status: 404, digicertCodes: ["not_found|order"], endpoint: "PUT /order/certificate/{order_id}/revoke" }),
    ]);
    expect(harness.logs.text).not.toContain(SENTINEL_KEY);
  });

  test("every request line carries the request id", async () => {
    await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "424243" }, { "x-dc-devkey": SEEDED_KEYS.user, "x-request-id": "every-line" });

    const lines = harness.logs.entries.filter((entry) => entry.orderId === "424243" || (Array.isArray(entry.upstream) && JSON.stringify(entry.upstream).includes("424243")));
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((entry) => entry.requestId === "every-line")).toBe(true);
  });
});

describe("log redaction", () => {
  test("pino censors a logged key header", async () => {
    const { LogCapture } = await import("./helpers/harness.js");
    const { createLogger } = await import("../src/logger.js");
    const capture = new LogCapture();
    const logger = createLogger({ logLevel: "info" }, capture);

    logger.info({ req: { headers: { "x-dc-devkey": SENTINEL_KEY } }, headers: { "x-dc-devkey": SENTINEL_KEY }, request: { headers: { "x-dc-devkey": SENTINEL_KEY } } }, "headers logged by mistake");
    logger.flush();

    expect(capture.text).not.toContain(SENTINEL_KEY);
    expect(capture.entries[0]?.headers).toEqual({ "x-dc-devkey": "[redacted]" });
  });
});
