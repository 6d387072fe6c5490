import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { SEEDED_KEYS } from "../simulator/seed.js";
import { EntitiesDocument, RevokeOrderDocument, RevokeRequestDocument } from "./generated/operations.js";
import { postGraphQL, startHarness, type Harness } from "./helpers/harness.js";

const USER = { "x-dc-devkey": SEEDED_KEYS.user };
const ADMIN = { "x-dc-devkey": SEEDED_KEYS.administrator };

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

function gets(path: string) {
  return harness.simulator.received.filter((request) => request.method === "GET" && request.url === `/services/v2/${path}`);
}

describe("revokeRequest query", () => {
  test("follows a request revokeOrder created", async () => {
    const created = await postGraphQL(harness.graphqlUrl, RevokeOrderDocument, { orderId: "1001", comment: "Follow me" }, USER);
    const request = created.body.data?.revokeOrder;
    if (request?.__typename !== "RevokeRequest") throw new Error("expected a RevokeRequest");

    const answer = await postGraphQL(harness.graphqlUrl, RevokeRequestDocument, { id: request.id }, USER);

    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.revokeRequest).toEqual({
      id: request.id,
      date: request.date,
      status: "PENDING",
      comments: "Follow me",
      orderId: "1001",
      order: { id: "1001" },
      processedDate: null,
      processorComment: null,
      requester: { id: "102", firstName: "Uma", lastName: "User", email: "uma.user@example.com" },
      processor: null,
    });
  });

  test("approved request has its processor", async () => {
    const answer = await postGraphQL(harness.graphqlUrl, RevokeRequestDocument, { id: "3002" }, USER);

    const request = answer.body.data?.revokeRequest;
    expect(request?.status).toBe("APPROVED");
    expect(request?.processedDate).toBe("2026-11-02T11:00:00.000Z");
    expect(request?.processor).toEqual({ id: "101", firstName: "Ada", lastName: "Admin", email: "ada.admin@example.com" });
    expect(request?.processorComment).toBe("Approved");
    expect(request?.order).toEqual({ id: "1009" });
    expect(gets("request/3002")).toHaveLength(1);
    expect(gets("request/3002")[0]?.headers["x-dc-devkey"]).toBe(SEEDED_KEYS.user);
  });

  test("unknown request is null", async () => {
    const answer = await postGraphQL(harness.graphqlUrl, RevokeRequestDocument, { id: "999999" }, USER);

    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.revokeRequest).toBeNull();
  });

  test("request of another type is null", async () => {
    const answer = await postGraphQL(harness.graphqlUrl, RevokeRequestDocument, { id: "3001" }, USER);

    expect(answer.body.data?.revokeRequest).toBeNull();
  });

  test("missing key is UNAUTHENTICATED", async () => {
    const answer = await postGraphQL(harness.graphqlUrl, RevokeRequestDocument, { id: "3002" });

    expect(answer.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(harness.simulator.received).toHaveLength(0);
  });

  test("invalid id is BAD_USER_INPUT", async () => {
    const answer = await postGraphQL(harness.graphqlUrl, RevokeRequestDocument, { id: "12x" }, USER);

    expect(answer.body.errors?.[0]?.extensions).toEqual({ code: "BAD_USER_INPUT", revocationOutcome: "NOT_REVOKED", argumentName: "id" });
    expect(harness.simulator.received).toHaveLength(0);
  });

  test("read is retried after a 503", async () => {
    harness.simulator.script({ status: 503, headers: { "content-type": "application/json" }, body: '{"errors":[{"code":"unavailable","message":"Try later."}]}' });

    const answer = await postGraphQL(harness.graphqlUrl, RevokeRequestDocument, { id: "3002" }, USER);

    expect(answer.body.data?.revokeRequest?.status).toBe("APPROVED");
    expect(gets("request/3002")).toHaveLength(2);
  });

  test("read failing three times is UPSTREAM_ERROR", async () => {
    const unavailable = { status: 503, headers: { "content-type": "application/json" }, body: '{"errors":[{"code":"unavailable","message":"Try later."}]}' };
    harness.simulator.script(unavailable, unavailable, unavailable);

    const answer = await postGraphQL(harness.graphqlUrl, RevokeRequestDocument, { id: "3002" }, USER);

    expect(answer.body.errors?.[0]?.extensions).toEqual({
      code: "UPSTREAM_ERROR",
      revocationOutcome: "NOT_REVOKED",
      digicert: { status: 503, errors: [{ code: "unavailable", message: "Try later." }] },
    });
    expect(gets("request/3002")).toHaveLength(3);
  });
});

describe("entity resolution", () => {
  test("duplicate representations cost one read each id", async () => {
    const representations = [
      { __typename: "RevokeRequest", id: "3002" },
      { __typename: "RevokeRequest", id: "4001" },
      { __typename: "RevokeRequest", id: "3002" },
      { __typename: "RevokeRequest", id: "999999" },
      { __typename: "RevokeRequest", id: "4001" },
    ];

    const answer = await postGraphQL(harness.graphqlUrl, EntitiesDocument, { representations }, USER);

    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?._entities.map((entity) => (entity?.__typename === "RevokeRequest" ? entity.id : null))).toEqual(["3002", "4001", "3002", null, "4001"]);
    expect(gets("request/3002")).toHaveLength(1);
    expect(gets("request/4001")).toHaveLength(1);
    expect(gets("request/999999")).toHaveLength(1);
  });

  test("bad representation errors at its own index", async () => {
    const representations = [
      { __typename: "RevokeRequest", id: "3002" },
      { __typename: "RevokeRequest", id: "not-a-number" },
      { __typename: "RevokeRequest", id: "4001" },
    ];

    const answer = await postGraphQL(harness.graphqlUrl, EntitiesDocument, { representations }, USER);

    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors?.[0]?.path).toEqual(["_entities", 1]);
    expect(answer.body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(answer.body.data?._entities[0]).toEqual(expect.objectContaining({ id: "3002" }));
    expect(answer.body.data?._entities[1]).toBeNull();
    expect(answer.body.data?._entities[2]).toEqual(expect.objectContaining({ id: "4001" }));
  });

  test("order lists only its revocation requests", async () => {
    const answer = await postGraphQL(
      harness.graphqlUrl,
      EntitiesDocument,
      { representations: [{ __typename: "Order", id: "1009" }, { __typename: "Order", id: "1010" }, { __typename: "Order", id: "1009" }] },
      USER,
    );

    expect(answer.body.errors).toBeUndefined();
    const [first, second, third] = answer.body.data?._entities ?? [];
    expect(first?.__typename === "Order" && first.revokeRequests.map((request) => request.id)).toEqual(["3002"]);
    expect(second?.__typename === "Order" && second.revokeRequests.map((request) => request.status)).toEqual(["PENDING"]);
    expect(third).toEqual(first);
    expect(first?.__typename === "Order" && first.revokeRequests[0]?.requester).toEqual({ id: "102", email: "uma.user@example.com" });
    expect(gets("order/certificate/1009")).toHaveLength(1);
    expect(gets("order/certificate/1010")).toHaveLength(1);
    // requester is not in the order's summary, so each listed request is read once.
    expect(gets("request/3002")).toHaveLength(1);
    expect(gets("request/4001")).toHaveLength(1);
  });

  test("unknown order is ORDER_NOT_FOUND", async () => {
    const answer = await postGraphQL(harness.graphqlUrl, EntitiesDocument, { representations: [{ __typename: "Order", id: "777777" }] }, USER);

    expect(answer.body.errors?.[0]?.extensions?.code).toBe("ORDER_NOT_FOUND");
    expect(answer.body.errors?.[0]?.path).toEqual(["_entities", 0, "revokeRequests"]);
  });

  test("loaders are not shared between keys", async () => {
    const representations = [{ __typename: "RevokeRequest", id: "3002" }];

    await Promise.all([
      postGraphQL(harness.graphqlUrl, EntitiesDocument, { representations }, USER),
      postGraphQL(harness.graphqlUrl, EntitiesDocument, { representations }, ADMIN),
    ]);

    const keys = gets("request/3002").map((request) => request.headers["x-dc-devkey"]);
    expect(keys.sort()).toEqual([SEEDED_KEYS.administrator, SEEDED_KEYS.user].sort());
  });
});
