import http from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { SEEDED_KEYS } from "../simulator/seed.js";
import { RevokeOrderDocument, type RevocationReason } from "./generated/operations.js";
import { postGraphQL, startHarness, type Harness } from "./helpers/harness.js";

const ADMIN = { "x-dc-devkey": SEEDED_KEYS.administrator };
const USER = { "x-dc-devkey": SEEDED_KEYS.user };

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.close();
});

afterEach(() => {
  harness.simulator.received.length = 0;
});

/**
 * Posts with headers exactly as listed, repeats and casing kept, which fetch would
 * normalise; returns the response body.
 */
function postWithRawHeaders(url: URL, body: string, headers: [string, string][]): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: "POST" }, (response) => {
      let data = "";
      response.setEncoding("utf8");
      response.on("data", (chunk: string) => (data += chunk));
      response.on("end", () => resolve(data));
    });
    for (const [name, value] of headers) request.appendHeader(name, value);
    request.on("error", reject);
    request.end(body);
  });
}

function revokePuts() {
  return harness.simulator.received.filter((request) => request.method === "PUT");
}

describe("revokeOrder success", () => {
  test("non-admin key gets a pending RevokeRequest", async () => {
    const answer = await postGraphQL(
      harness.graphqlUrl,
      RevokeOrderDocument,
      { orderId: "1001", reason: "KEY_COMPROMISE", comment: "Key found in a public repository" },
      USER,
    );

    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    const result = answer.body.data?.revokeOrder;
    expect(result?.__typename).toBe("RevokeRequest");
    if (result?.__typename !== "RevokeRequest") return;

    const stored = harness.simulator.orders.get(1001)?.requests.at(-1);
    expect(result.id).toBe(String(stored?.id));
    expect(result.status).toBe("PENDING");
    expect(result.comments).toBe("Key found in a public repository");
    expect(result.orderId).toBe("1001");
    expect(result.requester).toEqual({ id: "102", firstName: "Uma", lastName: "User", email: "uma.user@example.com" });
    expect(new Date(result.date).getTime()).toBe(new Date(stored?.date ?? "").getTime());
    expect(result.date).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  test("PUT carries path, headers and DigiCert field names", async () => {
    await postGraphQL(
      harness.graphqlUrl,
      RevokeOrderDocument,
      { orderId: "1002", reason: "SUPERSEDED", comment: "Replaced by order 2002", skipApproval: false },
      USER,
    );

    const puts = revokePuts();
    expect(puts).toHaveLength(1);
    const [put] = puts;
    expect(put?.url).toBe("/services/v2/order/certificate/1002/revoke");
    expect(put?.headers["x-dc-devkey"]).toBe(SEEDED_KEYS.user);
    expect(put?.headers["content-type"]).toBe("application/json");
    expect(put?.headers.accept).toBe("application/json");
    expect(put?.headers["user-agent"]).toMatch(/^revocation-gateway\/\d+\.\d+\.\d+ /);
    expect(put?.body).toEqual({ revocation_reason: "superseded", comments: "Replaced by order 2002", skip_approval: false });
  });

  test("body carries only the fields given", async () => {
    await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1003" }, USER);

    expect(revokePuts()[0]?.rawBody).toBe("{}");
  });

  test.each<[RevocationReason, string]>([
    ["UNSPECIFIED", "unspecified"],
    ["KEY_COMPROMISE", "keyCompromise"],
    ["AFFILIATION_CHANGED", "affiliationChanged"],
    ["SUPERSEDED", "superseded"],
    ["CESSATION_OF_OPERATION", "cessationOfOperation"],
  ])("reason %s is sent as %s", async (reason, token) => {
    harness.simulator.script({ status: 204 });

    await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1004", reason, skipApproval: true }, ADMIN);

    expect(revokePuts()[0]?.body).toEqual({ revocation_reason: token, skip_approval: true });
  });

  test("admin skipApproval gets RevokedImmediately", async () => {
    const before = Date.now();
    const answer = await postGraphQL(
      harness.graphqlUrl,
      RevokeOrderDocument,
      { orderId: "1005", reason: "CESSATION_OF_OPERATION", skipApproval: true },
      ADMIN,
    );
    const after = Date.now();

    expect(answer.body.errors).toBeUndefined();
    const result = answer.body.data?.revokeOrder;
    expect(result?.__typename).toBe("RevokedImmediately");
    if (result?.__typename !== "RevokedImmediately") return;
    expect(result.orderId).toBe("1005");
    expect(result.reason).toBe("CESSATION_OF_OPERATION");
    const confirmed = new Date(result.confirmationReceivedAt).getTime();
    expect(confirmed).toBeGreaterThanOrEqual(before);
    expect(confirmed).toBeLessThanOrEqual(after);
    expect(harness.simulator.orders.get(1005)?.status).toBe("revoked");
  });

  test("RevokedImmediately reports UNSPECIFIED without a reason", async () => {
    const answer = await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1006", skipApproval: true }, ADMIN);

    const result = answer.body.data?.revokeOrder;
    expect(result?.__typename === "RevokedImmediately" && result.reason).toBe("UNSPECIFIED");
  });

  test("skipApproval answered with 201 is a RevokeRequest", async () => {
    // The member follows DigiCert's status: a non-admin key's skipApproval may still file a request.
    const answer = await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1007", skipApproval: true }, USER);

    expect(answer.body.data?.revokeOrder.__typename).toBe("RevokeRequest");
  });

  test("204 without skipApproval is RevokedImmediately", async () => {
    harness.simulator.script({ status: 204 });

    const answer = await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1008" }, USER);

    expect(answer.body.data?.revokeOrder.__typename).toBe("RevokedImmediately");
  });

  test("201 with status submitted maps to SUBMITTED", async () => {
    harness.simulator.script({
      status: 201,
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({
        id: 77,
        date: "2016-02-10T17:06:15+00:00",
        type: "revoke",
        status: "submitted",
        requester: { id: 9, first_name: "Sam", last_name: "Smith", email: "sam@example.com" },
      }),
    });

    const answer = await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1001" }, USER);

    const result = answer.body.data?.revokeOrder;
    expect(result?.__typename === "RevokeRequest" && result.status).toBe("SUBMITTED");
    expect(result?.__typename === "RevokeRequest" && result.date).toBe("2016-02-10T17:06:15.000Z");
    expect(result?.__typename === "RevokeRequest" && result.comments).toBeNull();
  });
});

describe("revokeOrder API key", () => {
  test.each([
    ["missing", {}],
    ["blank", { "x-dc-devkey": "   " }],
  ])("%s key is UNAUTHENTICATED without an upstream call", async (_case, headers) => {
    const answer = await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1001" }, headers);

    expect(answer.status).toBe(200);
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: "UNAUTHENTICATED", revocationOutcome: "NOT_REVOKED" });
    expect(answer.body.errors?.[0]?.message).toMatch(/X-DC-DEVKEY/);
    expect(answer.body.errors?.[0]?.path).toEqual(["revokeOrder"]);
    expect(harness.simulator.received).toHaveLength(0);
  });

  test("header name is read in any casing", async () => {
    harness.simulator.script({ status: 204 });
    const url = new URL(harness.graphqlUrl);
    const body = JSON.stringify({ query: 'mutation { revokeOrder(orderId: "1001") { __typename } }' });

    const text = await postWithRawHeaders(url, body, [
      ["Content-Type", "application/json"],
      ["X-Dc-DevKey", SEEDED_KEYS.administrator],
    ]);

    expect(JSON.parse(text)).toEqual({ data: { revokeOrder: { __typename: "RevokedImmediately" } } });
    expect(revokePuts()[0]?.headers["x-dc-devkey"]).toBe(SEEDED_KEYS.administrator);
  });

  test("repeated key header is UNAUTHENTICATED", async () => {
    const url = new URL(harness.graphqlUrl);
    const body = JSON.stringify({ query: 'mutation { revokeOrder(orderId: "1001") { __typename } }' });

    const text = await postWithRawHeaders(url, body, [
      ["Content-Type", "application/json"],
      ["X-DC-DEVKEY", SEEDED_KEYS.administrator],
      ["x-dc-devkey", SEEDED_KEYS.user],
    ]);

    expect(JSON.parse(text).errors[0].extensions.code).toBe("UNAUTHENTICATED");
    expect(harness.simulator.received).toHaveLength(0);
  });

  test("each request uses its own caller's key", async () => {
    await Promise.all([
      postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "9001" }, ADMIN),
      postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "9002" }, USER),
      postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "9003" }, { "x-dc-devkey": SEEDED_KEYS.viewOnly }),
    ]);

    const keyByOrder = Object.fromEntries(revokePuts().map((put) => [put.url.split("/")[5], put.headers["x-dc-devkey"]]));
    expect(keyByOrder).toEqual({ "9001": SEEDED_KEYS.administrator, "9002": SEEDED_KEYS.user, "9003": SEEDED_KEYS.viewOnly });
  });

  test("introspection and _service need no key", async () => {
    const answer = await postGraphQL<{ __schema: { mutationType: { name: string } }; _service: { sdl: string } }, never>(
      harness.graphqlUrl,
      "{ __schema { mutationType { name } } _service { sdl } }",
    );

    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.__schema.mutationType.name).toBe("Mutation");
    expect(answer.body.data?._service.sdl).toContain("revokeOrder");
  });
});

describe("revokeOrder bad input", () => {
  test.each([
    ["letters", "abc"],
    ["a sign", "-1001"],
    ["a plus sign", "+1001"],
    ["spaces", " 1001"],
    ["a decimal point", "1001.5"],
    ["zero", "0"],
    ["leading zeros", "0001001"],
    ["too many digits", "90071992547409920"],
    ["an empty string", ""],
  ])("orderId with %s is BAD_USER_INPUT", async (_case, orderId) => {
    const answer = await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId }, USER);

    expect(answer.status).toBe(200);
    expect(answer.body.data).toBeNull();
    const error = answer.body.errors?.[0];
    expect(error?.extensions).toEqual({ code: "BAD_USER_INPUT", revocationOutcome: "NOT_REVOKED", argumentName: "orderId" });
    expect(error?.message).toContain(JSON.stringify(orderId));
    expect(error?.message).toMatch(/positive whole number/);
    expect(error?.path).toEqual(["revokeOrder"]);
    expect(harness.simulator.received).toHaveLength(0);
  });

  test("largest exact order id is accepted", async () => {
    await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "9007199254740991" }, USER);

    expect(revokePuts()[0]?.url).toBe("/services/v2/order/certificate/9007199254740991/revoke");
  });

  test("comment over 2000 characters is BAD_USER_INPUT", async () => {
    const answer = await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1001", comment: "x".repeat(2001) }, USER);

    const error = answer.body.errors?.[0];
    expect(error?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(error?.extensions?.argumentName).toBe("comment");
    expect(error?.message).toBe("comment is 2001 characters long; the maximum is 2000. Shorten it.");
    expect(harness.simulator.received).toHaveLength(0);
  });

  test("comment with a control character is BAD_USER_INPUT", async () => {
    const answer = await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1001", comment: "bell\u0007" }, USER);

    expect(answer.body.errors?.[0]?.message).toMatch(/U\+0007 at position 4/);
    expect(harness.simulator.received).toHaveLength(0);
  });

  test("comment with tabs and line breaks is sent as is", async () => {
    await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1002", comment: "line 1\n\tline 2\r\n" }, USER);

    expect(revokePuts()[0]?.body).toEqual({ comments: "line 1\n\tline 2\r\n" });
  });

  test("unknown reason is a 400 variable error", async () => {
    const answer = await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1001", reason: "STOLEN" as RevocationReason }, USER);

    expect(answer.status).toBe(400);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(answer.body.errors?.[0]?.message).toMatch(/STOLEN/);
    expect(harness.simulator.received).toHaveLength(0);
  });
});
