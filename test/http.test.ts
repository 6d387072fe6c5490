import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { SEEDED_KEYS } from "../simulator/seed.js";
import { postGraphQL, startHarness, type Harness } from "./helpers/harness.js";

const MUTATION = 'mutation { revokeOrder(orderId: "1001") { __typename } }';

let harness: Harness;
let production: Harness;

beforeAll(async () => {
  harness = await startHarness();
  production = await startHarness({ env: { NODE_ENV: "production" } });
});

afterAll(async () => {
  await harness.close();
  await production.close();
});

describe("HTTP edge", () => {
  test("healthz answers 200", async () => {
    const response = await fetch(new URL("/healthz", harness.graphqlUrl));

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  test("request id is echoed when given", async () => {
    const response = await fetch(new URL("/healthz", harness.graphqlUrl), { headers: { "x-request-id": "req-42.a" } });

    expect(response.headers.get("x-request-id")).toBe("req-42.a");
  });

  test("request id comes from traceparent", async () => {
    const response = await fetch(new URL("/healthz", harness.graphqlUrl), {
      headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
    });

    expect(response.headers.get("x-request-id")).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });

  test("unsafe request id is replaced", async () => {
    const response = await fetch(new URL("/healthz", harness.graphqlUrl), { headers: { "x-request-id": "bad id\twith spaces" } });

    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("request id appears in operation logs", async () => {
    await postGraphQL(harness.graphqlUrl, "{ __typename }", undefined, { "x-request-id": "trace-me-123" });

    const line = harness.logs.entries.find((entry) => entry.requestId === "trace-me-123");
    expect(line?.msg).toBe("GraphQL operation finished");
  });

  test("mutation over GET is 405", async () => {
    const url = new URL(harness.graphqlUrl);
    url.searchParams.set("query", MUTATION);

    const response = await fetch(url, { headers: { "x-dc-devkey": SEEDED_KEYS.administrator, "apollo-require-preflight": "true" } });

    expect(response.status).toBe(405);
    expect(harness.simulator.received).toHaveLength(0);
  });

  test("text/plain POST is rejected as CSRF", async () => {
    const response = await fetch(harness.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "text/plain", "x-dc-devkey": SEEDED_KEYS.administrator },
      body: JSON.stringify({ query: MUTATION }),
    });

    expect(response.status).toBe(400);
    expect(harness.simulator.received).toHaveLength(0);
  });

  test("body over 64 KiB is 413", async () => {
    const response = await fetch(harness.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ __typename }", variables: { padding: "x".repeat(70 * 1024) } }),
    });

    expect(response.status).toBe(413);
  });

  test("malformed JSON is 400", async () => {
    const response = await fetch(harness.graphqlUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"query": ',
    });

    expect(response.status).toBe(400);
  });

  test("CORS preflight allows Apollo Sandbox", async () => {
    const response = await fetch(harness.graphqlUrl, {
      method: "OPTIONS",
      headers: {
        origin: "https://studio.apollographql.com",
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type,x-dc-devkey",
      },
    });

    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("https://studio.apollographql.com");
    expect(response.headers.get("access-control-allow-headers")).toContain("x-dc-devkey");
  });
});

describe("production mode", () => {
  test("introspection is disabled", async () => {
    const answer = await postGraphQL(production.graphqlUrl, "{ __schema { queryType { name } } }");

    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(answer.body.errors?.[0]?.extensions?.validationErrorCode).toBe("INTROSPECTION_DISABLED");
    expect(answer.body.errors?.[0]?.message).toBe("Introspection is disabled on this server. Operators can turn it on with INTROSPECTION=true.");
  });

  test("_service stays available to the router", async () => {
    const answer = await postGraphQL<{ _service: { sdl: string } }, never>(production.graphqlUrl, "{ _service { sdl } }");

    expect(answer.body.data?._service.sdl).toContain("revokeOrder");
  });

  test("landing page is off", async () => {
    const response = await fetch(production.graphqlUrl, { headers: { accept: "text/html" } });

    expect(await response.text()).not.toContain("<html");
  });

  test("CORS allows no origin by default", async () => {
    const response = await fetch(production.graphqlUrl, {
      method: "OPTIONS",
      headers: { origin: "https://studio.apollographql.com", "access-control-request-method": "POST" },
    });

    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("revocation works as in development", async () => {
    const answer = await postGraphQL(production.graphqlUrl, MUTATION, undefined, { "x-dc-devkey": SEEDED_KEYS.user });

    expect(answer.body).toEqual({ data: { revokeOrder: { __typename: "RevokeRequest" } } });
  });
});

describe("introspection and Sandbox switches", () => {
  test("production with switches on serves both", async () => {
    const opened = await startHarness({ env: { NODE_ENV: "production", INTROSPECTION: "true", SANDBOX: "true" } });
    try {
      const answer = await postGraphQL<{ __schema: { mutationType: { name: string } } }, never>(opened.graphqlUrl, "{ __schema { mutationType { name } } }");
      const page = await fetch(opened.graphqlUrl, { headers: { accept: "text/html" } }).then((response) => response.text());

      expect(answer.body.data?.__schema.mutationType.name).toBe("Mutation");
      expect(page).toContain("embeddableSandbox");
    } finally {
      await opened.close();
    }
  });

  test("development with switches off serves neither", async () => {
    const closed = await startHarness({ env: { INTROSPECTION: "false", SANDBOX: "false" } });
    try {
      const answer = await postGraphQL(closed.graphqlUrl, "{ __schema { mutationType { name } } }");
      const page = await fetch(closed.graphqlUrl, { headers: { accept: "text/html" } }).then((response) => response.text());

      expect(answer.body.errors?.[0]?.extensions?.validationErrorCode).toBe("INTROSPECTION_DISABLED");
      expect(page).not.toContain("embeddableSandbox");
    } finally {
      await closed.close();
    }
  });
});

describe("CORS", () => {
  test("unlisted origin gets no CORS headers", async () => {
    const response = await fetch(harness.graphqlUrl, {
      method: "OPTIONS",
      headers: { origin: "https://attacker.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-dc-devkey" },
    });

    expect(response.headers.get("access-control-allow-origin")).toBeNull();
  });

  test("configured origin is allowed in production", async () => {
    const configured = await startHarness({ env: { NODE_ENV: "production", CORS_ORIGINS: "https://app.example.com" } });
    try {
      const response = await fetch(configured.graphqlUrl, {
        method: "OPTIONS",
        headers: { origin: "https://app.example.com", "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-dc-devkey" },
      });

      expect(response.status).toBe(204);
      expect(response.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      expect(response.headers.get("access-control-allow-headers")).toContain("x-dc-devkey");
    } finally {
      await configured.close();
    }
  });
});
