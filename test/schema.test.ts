import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { printGatewaySchema, SCHEMA_FILE } from "../scripts/print-schema.js";
import { ServiceSdlDocument } from "./generated/operations.js";
import { postGraphQL, startHarness, type Harness } from "./helpers/harness.js";

const run = promisify(execFile);

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness.close();
});

describe("committed schema", () => {
  test("schema.graphql matches the code", async () => {
    const committed = await readFile(SCHEMA_FILE, "utf8");

    // On failure run `npm run schema` and commit schema/schema.graphql.
    expect(committed).toBe(await printGatewaySchema());
  });

  test("_service sdl matches schema.graphql", async () => {
    const answer = await postGraphQL(harness.graphqlUrl, ServiceSdlDocument);

    expect(`${answer.body.data?._service.sdl}\n`).toBe(await readFile(SCHEMA_FILE, "utf8"));
  });

  test("sdl links Federation 2", async () => {
    const committed = await readFile(SCHEMA_FILE, "utf8");

    expect(committed).toMatch(/@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+"/);
    expect(committed).toContain("union RevokeOrderResult = RevokeRequest | RevokedImmediately");
    expect(committed).toMatch(/type RevokeRequest\s+@key\(fields: "id"\)/);
    expect(committed).toMatch(/type Order\s+@key\(fields: "id"\)/);
  });

  test("every type, field, argument and value is described", async () => {
    const answer = await postGraphQL<{ __schema: { types: IntrospectedType[] } }, never>(harness.graphqlUrl, INTROSPECT_DESCRIPTIONS);
    const own = (answer.body.data?.__schema.types ?? []).filter((type) => OWN_TYPES.has(type.name));
    const undescribed: string[] = [];
    for (const type of own) {
      if (!type.description) undescribed.push(type.name);
      for (const field of type.fields ?? []) {
        if (!field.description) undescribed.push(`${type.name}.${field.name}`);
        for (const argument of field.args) {
          if (!argument.description) undescribed.push(`${type.name}.${field.name}(${argument.name})`);
        }
      }
      for (const value of type.enumValues ?? []) {
        if (!value.description) undescribed.push(`${type.name}.${value.name}`);
      }
    }

    expect(own).toHaveLength(OWN_TYPES.size);
    expect(undescribed).toEqual([]);
  });
});

describe("codegen output", () => {
  test("generated operations match codegen", async () => {
    // On failure run `npm run codegen` and commit test/generated/.
    await expect(run("npx", ["graphql-codegen", "--config", "codegen.yml", "--check"], { cwd: process.cwd() })).resolves.toBeDefined();
  }, 120_000);
});

interface IntrospectedType {
  name: string;
  description: string | null;
  fields: { name: string; description: string | null; args: { name: string; description: string | null }[] }[] | null;
  enumValues: { name: string; description: string | null }[] | null;
}

const OWN_TYPES = new Set(["RevokeOrderResult", "RevokeRequest", "RevokedImmediately", "User", "RevocationReason", "RevokeRequestStatus", "DateTime"]);

const INTROSPECT_DESCRIPTIONS = `{
  __schema {
    types {
      name
      description
      fields { name description args { name description } }
      enumValues { name description }
    }
  }
  __type(name: "Mutation") { name }
}`;

test("mutation root field is described", async () => {
  const answer = await postGraphQL<{ __type: { fields: { name: string; description: string | null; args: { name: string; description: string | null }[] }[] } }, never>(
    harness.graphqlUrl,
    '{ __type(name: "Mutation") { fields { name description args { name description } } } }',
  );
  const revokeOrder = answer.body.data?.__type.fields.find((field) => field.name === "revokeOrder");

  expect(revokeOrder?.description).toMatch(/permanent/);
  expect(revokeOrder?.args.map((argument) => argument.name)).toEqual(["orderId", "reason", "comment", "skipApproval"]);
  expect(revokeOrder?.args.every((argument) => Boolean(argument.description))).toBe(true);
});
