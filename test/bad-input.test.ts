import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { print } from "graphql";
import { SEEDED_KEYS } from "../simulator/seed.js";
import { RevokeOrderDocument } from "./generated/operations.js";
import { startHarness, type Harness } from "./helpers/harness.js";

const REVOKE = print(RevokeOrderDocument);
const KEY = { "x-dc-devkey": SEEDED_KEYS.administrator };
const JSON_TYPE = { "content-type": "application/json" };

interface BadInputCase {
  name: string;
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** Raw request body; objects are sent as JSON. */
  body?: unknown;
  /** Query string for GET. */
  search?: Record<string, string>;
  status: number;
  code: string;
  message: RegExp;
  /** Set for errors raised while executing revokeOrder, which keep HTTP 200 and data.revokeOrder null. */
  executed?: boolean;
}

const variables = (values: Record<string, unknown>) => ({ query: REVOKE, variables: values });
const deepSelection = (levels: number) => `{ ${"a { ".repeat(levels)}b${" }".repeat(levels)} }`;

const CASES: BadInputCase[] = [
  { name: "orderId with letters", body: variables({ orderId: "12ab" }), status: 200, code: "BAD_USER_INPUT", message: /orderId "12ab" is not a DigiCert order id/, executed: true },
  { name: "orderId with a sign", body: variables({ orderId: "-5" }), status: 200, code: "BAD_USER_INPUT", message: /orderId "-5"/, executed: true },
  { name: "orderId with spaces", body: variables({ orderId: "10 01" }), status: 200, code: "BAD_USER_INPUT", message: /orderId "10 01"/, executed: true },
  { name: "orderId with a decimal", body: variables({ orderId: "1001.0" }), status: 200, code: "BAD_USER_INPUT", message: /orderId "1001.0"/, executed: true },
  { name: "orderId with leading zeros", body: variables({ orderId: "01001" }), status: 200, code: "BAD_USER_INPUT", message: /without sign, spaces or leading zeros/, executed: true },
  { name: "orderId with 17 digits", body: variables({ orderId: "12345678901234567" }), status: 200, code: "BAD_USER_INPUT", message: /at most 9007199254740991/, executed: true },
  { name: "comment over the maximum", body: variables({ orderId: "1001", comment: "é".repeat(2001) }), status: 200, code: "BAD_USER_INPUT", message: /comment is 2001 characters long; the maximum is 2000/, executed: true },
  { name: "comment with a NUL", body: variables({ orderId: "1001", comment: "a\u0000b" }), status: 200, code: "BAD_USER_INPUT", message: /control character U\+0000 at position 1/, executed: true },
  { name: "comment with an escape", body: variables({ orderId: "1001", comment: "\u001b[31mred" }), status: 200, code: "BAD_USER_INPUT", message: /U\+001B at position 0/, executed: true },
  { name: "unknown reason variable", body: variables({ orderId: "1001", reason: "STOLEN" }), status: 400, code: "BAD_USER_INPUT", message: /\$reason.*"STOLEN".*RevocationReason/ },
  { name: "unknown reason literal", body: { query: 'mutation { revokeOrder(orderId: "1001", reason: STOLEN) { __typename } }' }, status: 400, code: "GRAPHQL_VALIDATION_FAILED", message: /Value "STOLEN" does not exist in "RevocationReason" enum/ },
  { name: "missing orderId variable", body: variables({}), status: 400, code: "BAD_USER_INPUT", message: /\$orderId.*required/ },
  { name: "orderId variable as a float", body: variables({ orderId: 1001.5 }), status: 400, code: "BAD_USER_INPUT", message: /\$orderId.*ID cannot represent value: 1001.5/ },
  { name: "skipApproval as a string", body: variables({ orderId: "1001", skipApproval: "yes" }), status: 400, code: "BAD_USER_INPUT", message: /\$skipApproval.*Boolean cannot represent a non boolean value: "yes"/ },
  { name: "comment as an object", body: variables({ orderId: "1001", comment: { text: "x" } }), status: 400, code: "BAD_USER_INPUT", message: /\$comment.*String cannot represent a non string value/ },
  { name: "missing orderId argument", body: { query: "mutation { revokeOrder { __typename } }" }, status: 400, code: "GRAPHQL_VALIDATION_FAILED", message: /argument "orderId" of type "ID!" is required/ },
  { name: "text/plain POST", headers: { "content-type": "text/plain" }, body: JSON.stringify(variables({ orderId: "1001" })), status: 400, code: "BAD_REQUEST", message: /CSRF/ },
  { name: "form POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: `query=${encodeURIComponent(REVOKE)}`, status: 415, code: "BAD_REQUEST", message: /Content-Type "application\/x-www-form-urlencoded" is not supported/ },
  { name: "multipart POST", headers: { "content-type": "multipart/form-data; boundary=x" }, body: "--x\r\n\r\n--x--", status: 415, code: "BAD_REQUEST", message: /Content-Type "multipart\/form-data; boundary=x" is not supported/ },
  { name: "mutation over GET", method: "GET", headers: { "apollo-require-preflight": "true" }, search: { query: 'mutation { revokeOrder(orderId: "1001") { __typename } }' }, status: 405, code: "BAD_REQUEST", message: /GET requests only support query operations/ },
  { name: "body over 64 KiB", body: variables({ orderId: "1001", comment: "x".repeat(70_000) }), status: 413, code: "BAD_REQUEST", message: /larger than 65536 bytes/ },
  { name: "latin-1 charset", headers: { "content-type": "application/json; charset=iso-8859-1" }, body: JSON.stringify(variables({ orderId: "1001" })), status: 415, code: "BAD_REQUEST", message: /Charset "iso-8859-1" is not supported/ },
  { name: "UTF-16 charset", headers: { "content-type": "application/json; charset=utf-16" }, body: JSON.stringify(variables({ orderId: "1001" })), status: 415, code: "BAD_REQUEST", message: /Charset "utf-16" is not supported/ },
  { name: "malformed JSON", body: '{"query": "mutation {', status: 400, code: "BAD_REQUEST", message: /not valid JSON/ },
  { name: "empty JSON body", body: "", status: 400, code: "BAD_REQUEST", message: /empty/ },
  { name: "JSON without a query", body: { variables: { orderId: "1001" } }, status: 400, code: "BAD_REQUEST", message: /query/ },
  { name: "batched operations", body: [variables({ orderId: "1001" }), variables({ orderId: "1002" })], status: 400, code: "BAD_REQUEST", message: /batching/i },
  { name: "eleven aliased revocations", body: { query: `mutation { ${Array.from({ length: 11 }, (_, i) => `r${i}: revokeOrder(orderId: "${1001 + i}") { __typename }`).join(" ")} }` }, status: 400, code: "GRAPHQL_VALIDATION_FAILED", message: /Aliases limit of 10 exceeded/ },
  { name: "query deeper than 10", body: { query: deepSelection(12) }, status: 400, code: "GRAPHQL_VALIDATION_FAILED", message: /Query depth limit of 10 exceeded/ },
  { name: "query over 2000 tokens", body: { query: `{ ${"__typename ".repeat(2100)}}` }, status: 400, code: "GRAPHQL_PARSE_FAILED", message: /2000 tokens\. Parsing aborted/ },
  { name: "unparsable document", body: { query: "mutation { revokeOrder(" }, status: 400, code: "GRAPHQL_PARSE_FAILED", message: /Syntax Error/ },
];

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

async function send(row: BadInputCase) {
  const url = new URL(harness.graphqlUrl);
  for (const [name, value] of Object.entries(row.search ?? {})) url.searchParams.set(name, value);
  const method = row.method ?? "POST";
  const response = await fetch(url, {
    method,
    headers: { ...(method === "POST" ? JSON_TYPE : {}), ...KEY, ...row.headers },
    ...(method === "POST" ? { body: typeof row.body === "string" ? row.body : JSON.stringify(row.body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as { data?: Record<string, unknown> | null; errors?: { message: string; path?: unknown; extensions?: Record<string, unknown> }[] } };
}

describe("bad input at the door", () => {
  test.each(CASES.map((row) => [row.name, row] as const))("%s", async (_name, row) => {
    const { status, body } = await send(row);
    const error = body.errors?.[0];

    expect(status).toBe(row.status);
    expect(error?.extensions?.code).toBe(row.code);
    expect(error?.extensions?.revocationOutcome).toBe("NOT_REVOKED");
    expect(error?.message).toMatch(row.message);
    if (row.executed === true) {
      expect(error?.path).toEqual(["revokeOrder"]);
      expect(body.data).toBeNull();
    } else {
      expect(error?.path).toBeUndefined();
      expect(body.data?.revokeOrder ?? null).toBeNull();
    }
    expect(harness.simulator.received).toHaveLength(0);
  });

  test("ten aliases pass the alias limit", async () => {
    const query = `mutation { ${Array.from({ length: 10 }, (_, i) => `r${i}: revokeOrder(orderId: "x${i}") { __typename }`).join(" ")} }`;

    const { status, body } = await send({ name: "ten aliases", body: { query }, status: 200, code: "BAD_USER_INPUT", message: /./ });

    // The first failed revokeOrder nulls the whole result, so graphql-js runs no later field.
    expect(status).toBe(200);
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
    expect(harness.simulator.received).toHaveLength(0);
  });

  test("UTF-8 charset is accepted", async () => {
    harness.simulator.script({ status: 204 });

    const { status, body } = await send({
      name: "utf-8",
      headers: { "content-type": "application/json; charset=UTF-8" },
      body: variables({ orderId: "1001", skipApproval: true }),
      status: 200,
      code: "",
      message: /./,
    });

    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(harness.simulator.received).toHaveLength(1);
  });
});
