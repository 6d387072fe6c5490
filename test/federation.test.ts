import { readFile } from "node:fs/promises";
import net from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { composeServices } from "@apollo/composition";
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from "@apollo/server/plugin/disabled";
import { startStandaloneServer } from "@apollo/server/standalone";
import { isObjectType, parse } from "graphql";
import { parse as parseYaml } from "yaml";
import { SEEDED_KEYS } from "../simulator/seed.js";
import { startOrdersSubgraph, type OrdersSubgraph } from "./fixtures/orders-subgraph.js";
import { postGraphQL, startHarness, type Harness } from "./helpers/harness.js";

const SCHEMA_FILE = new URL("../schema/schema.graphql", import.meta.url);
const SUPERGRAPH_CONFIG = new URL("../federation/supergraph.yaml", import.meta.url);
const ROUTER_CONFIG = new URL("../federation/router.yaml", import.meta.url);
const USER = { "x-dc-devkey": SEEDED_KEYS.user };
const REVOCATION = "revocation";
const ORDERS = "orders";

// ---------------------------------------------------------------------------
// Outbound connection guard
// ---------------------------------------------------------------------------

/** Every TCP or socket-path destination outside 127.0.0.1 that this file's process tried to reach. */
const blockedConnections: string[] = [];
const originalConnect = net.Socket.prototype.connect;

/** Extracts the destination of a `Socket#connect` call: host and port for TCP, the path for an IPC socket. */
function destinationOf(args: unknown[]): { host?: string; port?: unknown; path?: string } {
  const [first, second] = args;
  // net.connect() and the HTTP agents pass their already normalized [options, callback] array.
  const options = Array.isArray(first) ? (first[0] as unknown) : first;
  if (typeof options === "number" || (typeof options === "string" && /^\d+$/.test(options))) {
    return { host: typeof second === "string" ? second : "localhost", port: options };
  }
  if (typeof options === "string") return { path: options };
  // Node treats a non-empty `path` as an IPC socket, and HTTP agents pass `path: null` for TCP.
  const record = options as { host?: string | null; hostname?: string | null; port?: unknown; path?: string | null };
  if (typeof record.path === "string" && record.path !== "") return { path: record.path };
  return { host: record.host ?? record.hostname ?? "localhost", port: record.port };
}

/**
 * Rejects every outbound connection except to 127.0.0.1, so a default that reaches
 * another host (the gateway's telemetry, cloud metadata probes, a proxy) fails the
 * file instead of sending anything.
 */
function installConnectionGuard(): void {
  net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
    const destination = destinationOf(args);
    if (destination.path === undefined && destination.host === "127.0.0.1") {
      return (originalConnect as (...connectArgs: unknown[]) => net.Socket).apply(this, args);
    }
    const target = destination.path ?? `${destination.host}:${String(destination.port)}`;
    blockedConnections.push(target);
    process.nextTick(() => this.destroy(new Error(`federation test blocked a connection to ${target}: only 127.0.0.1 is allowed`)));
    return this;
  } as typeof net.Socket.prototype.connect;
}

// ---------------------------------------------------------------------------
// Gateway
// ---------------------------------------------------------------------------

/** Per-operation context of the test gateway. */
interface GatewayContext {
  /** The client's X-DC-DEVKEY header as the gateway received it, or undefined. */
  devKey: string | undefined;
}

/**
 * Data source that copies the client's X-DC-DEVKEY header onto subgraph requests when
 * `forwardDevKey` is set. Only the revocation subgraph gets it: the key is a DigiCert
 * credential, and no other subgraph needs it.
 */
class DevKeyDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly forwardDevKey: boolean,
  ) {
    // Node's own fetch ignores HTTP_PROXY, so subgraph calls stay on 127.0.0.1.
    super({ url, fetcher: fetch });
  }

  override willSendRequest(options: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    // Only incoming operations carry the client's context. @apollo/gateway does not export
    // its request-kind enum, so the check looks for the field that only those requests have.
    if (!this.forwardDevKey || !("incomingRequestContext" in options)) return;
    const { devKey } = options.context;
    if (devKey !== undefined) options.request.http?.headers.set("x-dc-devkey", devKey);
  }
}

/** A composed supergraph served by @apollo/gateway on 127.0.0.1. */
interface TestGateway {
  url: string;
  server: ApolloServer<GatewayContext>;
}

async function startGateway(supergraphSdl: string): Promise<TestGateway> {
  // Without this, ApolloGateway's constructor starts an OpenTelemetry meter that probes
  // cloud metadata endpoints and exports to Apollo's usage-reporting host (@apollo/gateway 2.14.4).
  process.env.APOLLO_TELEMETRY_DISABLED = "true";

  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name, url }) => new DevKeyDataSource(url ?? "", name === REVOCATION),
  });
  const server = new ApolloServer<GatewayContext>({
    gateway,
    includeStacktraceInErrorResponses: false,
    plugins: [
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  const { url } = await startStandaloneServer(server, {
    listen: { port: 0, host: "127.0.0.1" },
    context: async ({ req }) => {
      const header = req.headers["x-dc-devkey"];
      return { devKey: Array.isArray(header) ? header.join(", ") : header };
    },
  });
  return { url, server };
}

// ---------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------

let harness: Harness;
let orders: OrdersSubgraph;
let testGateway: TestGateway;
let revocationSdl: string;
let ordersSdl: string;

async function fetchSdl(url: string): Promise<string> {
  const answer = await postGraphQL<{ _service: { sdl: string } }, never>(url, "{ _service { sdl } }");
  const sdl = answer.body.data?._service.sdl;
  if (sdl === undefined) throw new Error(`${url} returned no _service.sdl: ${answer.text}`);
  return sdl;
}

function composeSupergraph() {
  return composeServices([
    { name: REVOCATION, url: harness.graphqlUrl, typeDefs: parse(revocationSdl) },
    { name: ORDERS, url: orders.url, typeDefs: parse(ordersSdl) },
  ]);
}

beforeAll(async () => {
  installConnectionGuard();
  harness = await startHarness();
  orders = await startOrdersSubgraph();
  revocationSdl = await fetchSdl(harness.graphqlUrl);
  ordersSdl = await fetchSdl(orders.url);

  const composition = composeSupergraph();
  if (composition.errors !== undefined) {
    throw new Error(`composition failed: ${composition.errors.map((error) => error.message).join("; ")}`);
  }
  testGateway = await startGateway(composition.supergraphSdl);
});

afterAll(async () => {
  await testGateway?.server.stop();
  await orders?.close();
  await harness?.close();
  net.Socket.prototype.connect = originalConnect;
  // Shutting down flushes exporters, if any were started, so check again after it.
  expect(blockedConnections).toEqual([]);
});

beforeEach(() => {
  harness.simulator.received.length = 0;
  orders.received.length = 0;
});

/** Simulator requests with this method and path under /services/v2. */
function simulatorRequests(method: string, path: string) {
  return harness.simulator.received.filter((request) => request.method === method && request.url === `/services/v2/${path}`);
}

/** Asserts that the orders fixture was called and that no DigiCert key reached it. */
function expectOrdersNeverSawKey(): void {
  expect(orders.received.length).toBeGreaterThan(0);
  for (const request of orders.received) {
    expect(request.headers["x-dc-devkey"]).toBeUndefined();
    const rawNames = request.rawHeaders.filter((_, index) => index % 2 === 0).map((name) => name.toLowerCase());
    expect(rawNames).not.toContain("x-dc-devkey");
    for (const key of Object.values(SEEDED_KEYS)) {
      expect(request.rawHeaders.join("\n")).not.toContain(key);
      expect(request.body).not.toContain(key);
    }
  }
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

describe("composition", () => {
  test("served SDL equals schema.graphql", async () => {
    expect(`${revocationSdl}\n`).toBe(await readFile(SCHEMA_FILE, "utf8"));
  });

  test("composes without errors or hints", () => {
    const composition = composeSupergraph();

    expect(composition.errors?.map((error) => error.message)).toBeUndefined();
    expect((composition.hints ?? []).map((hint) => `${hint.definition.code}: ${hint.message}`)).toEqual([]);
  });

  test("supergraph routes to both subgraphs", () => {
    const composition = composeSupergraph();
    if (composition.errors !== undefined) throw new Error("composition failed");

    expect(composition.supergraphSdl).toContain(`@join__graph(name: "${REVOCATION}", url: "${harness.graphqlUrl}")`);
    expect(composition.supergraphSdl).toContain(`@join__graph(name: "${ORDERS}", url: "${orders.url}")`);
    const apiSchema = composition.schema.toAPISchema().toGraphQLJSSchema();
    expect(Object.keys(apiSchema.getQueryType()?.getFields() ?? {}).sort()).toEqual(["orders", "revokeRequest"]);
    expect(Object.keys(apiSchema.getMutationType()?.getFields() ?? {})).toEqual(["revokeOrder"]);
    const orderType = apiSchema.getType("Order");
    expect(isObjectType(orderType)).toBe(true);
    if (!isObjectType(orderType)) return;
    expect(Object.keys(orderType.getFields()).sort()).toEqual(["commonName", "id", "revokeRequests", "status"]);
  });
});

describe("gateway with key", () => {
  test("revokeOrder resolves order from orders", async () => {
    const answer = await postGraphQL<
      {
        revokeOrder: {
          __typename: string;
          id?: string;
          status?: string;
          orderId?: string;
          requester?: { email: string | null };
          order?: { id: string; commonName: string };
        };
      },
      never
    >(
      testGateway.url,
      `mutation {
        revokeOrder(orderId: "1001", reason: KEY_COMPROMISE, comment: "Key leaked") {
          __typename
          ... on RevokeRequest { id status orderId requester { email } order { id commonName } }
        }
      }`,
      undefined,
      USER,
    );

    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    const stored = harness.simulator.orders.get(1001)?.requests.at(-1);
    expect(answer.body.data?.revokeOrder).toEqual({
      __typename: "RevokeRequest",
      id: String(stored?.id),
      status: "PENDING",
      orderId: "1001",
      requester: { email: "uma.user@example.com" },
      order: { id: "1001", commonName: "www1.example.com" },
    });
    const puts = simulatorRequests("PUT", "order/certificate/1001/revoke");
    expect(puts).toHaveLength(1);
    expect(puts[0]?.headers["x-dc-devkey"]).toBe(SEEDED_KEYS.user);
    expect(puts[0]?.body).toEqual({ revocation_reason: "keyCompromise", comments: "Key leaked" });
    expectOrdersNeverSawKey();
  });

  test("revokeRequest resolves order from orders", async () => {
    const answer = await postGraphQL<
      { revokeRequest: { id: string; status: string; order: { id: string; commonName: string; status: string } } | null },
      never
    >(testGateway.url, `{ revokeRequest(id: "3002") { id status order { id commonName status } } }`, undefined, USER);

    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.revokeRequest).toEqual({
      id: "3002",
      status: "APPROVED",
      order: { id: "1009", commonName: "retired.example.com", status: "revoked" },
    });
    const reads = simulatorRequests("GET", "request/3002");
    expect(reads).toHaveLength(1);
    expect(reads[0]?.headers["x-dc-devkey"]).toBe(SEEDED_KEYS.user);
    expectOrdersNeverSawKey();
  });

  test("orders get revokeRequests from revocation", async () => {
    const answer = await postGraphQL<
      { orders: { id: string; commonName: string; revokeRequests: { id: string; status: string; requester: { email: string | null } }[] }[] },
      never
    >(testGateway.url, `{ orders { id commonName revokeRequests { id status requester { email } } } }`, undefined, USER);

    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.orders).toEqual([
      { id: "1008", commonName: "www8.example.com", revokeRequests: [] },
      {
        id: "1009",
        commonName: "retired.example.com",
        revokeRequests: [{ id: "3002", status: "APPROVED", requester: { email: "uma.user@example.com" } }],
      },
      {
        id: "1010",
        commonName: "pending.example.com",
        revokeRequests: [{ id: "4001", status: "PENDING", requester: { email: "uma.user@example.com" } }],
      },
    ]);
    for (const orderId of ["1008", "1009", "1010"]) {
      const reads = simulatorRequests("GET", `order/certificate/${orderId}`);
      expect(reads).toHaveLength(1);
      expect(reads[0]?.headers["x-dc-devkey"]).toBe(SEEDED_KEYS.user);
    }
    expectOrdersNeverSawKey();
  });
});

describe("gateway without key", () => {
  test("revokeOrder is UNAUTHENTICATED", async () => {
    const answer = await postGraphQL<{ revokeOrder: unknown }, never>(
      testGateway.url,
      `mutation { revokeOrder(orderId: "1002") { __typename } }`,
    );

    expect(answer.status).toBe(200);
    expect(answer.body.data).toBeNull();
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors?.[0]?.path).toEqual(["revokeOrder"]);
    // @apollo/gateway keeps the subgraph's extensions and adds serviceName.
    expect(answer.body.errors?.[0]?.extensions).toEqual({
      code: "UNAUTHENTICATED",
      revocationOutcome: "NOT_REVOKED",
      serviceName: REVOCATION,
    });
    expect(harness.simulator.received).toHaveLength(0);
  });

  test("entity field error keeps its code", async () => {
    const answer = await postGraphQL<{ orders: unknown }, never>(testGateway.url, `{ orders { id revokeRequests { id } } }`);

    expect(answer.body.data).toBeNull();
    const codes = new Set(answer.body.errors?.map((error) => error.extensions?.code));
    expect([...codes]).toEqual(["UNAUTHENTICATED"]);
    expect(answer.body.errors?.[0]?.path).toEqual(["orders", 0, "revokeRequests"]);
    expect(answer.body.errors?.[0]?.extensions?.serviceName).toBe(REVOCATION);
    expect(harness.simulator.received).toHaveLength(0);
  });

  test("orders alone need no key", async () => {
    const answer = await postGraphQL<{ orders: { id: string; status: string }[] }, never>(testGateway.url, `{ orders { id status } }`);

    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data?.orders).toEqual([
      { id: "1008", status: "issued" },
      { id: "1009", status: "revoked" },
      { id: "1010", status: "issued" },
    ]);
  });
});

describe("federation config files", () => {
  interface SupergraphConfig {
    federation_version: string;
    subgraphs: Record<string, { routing_url: string; schema: { file?: string; subgraph_url?: string } }>;
  }

  test("supergraph.yaml pins tested composition", async () => {
    const config = parseYaml(await readFile(SUPERGRAPH_CONFIG, "utf8")) as SupergraphConfig;
    const packageJson = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8")) as {
      devDependencies: Record<string, string>;
    };

    expect(config.federation_version).toBe(`=${packageJson.devDependencies["@apollo/composition"]}`);
  });

  test("supergraph.yaml names both subgraphs", async () => {
    const config = parseYaml(await readFile(SUPERGRAPH_CONFIG, "utf8")) as SupergraphConfig;

    expect(Object.keys(config.subgraphs).sort()).toEqual([ORDERS, REVOCATION].sort());
    expect(config.subgraphs[REVOCATION]?.routing_url).toBe("http://localhost:4000/graphql");
    const schemaFile = config.subgraphs[REVOCATION]?.schema.file ?? "";
    expect(new URL(schemaFile, SUPERGRAPH_CONFIG).href).toBe(SCHEMA_FILE.href);
  });

  test("router.yaml sends key to revocation only", async () => {
    const config = parseYaml(await readFile(ROUTER_CONFIG, "utf8")) as {
      headers: { all?: unknown; subgraphs: Record<string, { request: unknown[] }> };
      include_subgraph_errors: unknown;
    };

    expect(config.headers.all).toBeUndefined();
    expect(Object.keys(config.headers.subgraphs)).toEqual([REVOCATION]);
    expect(config.headers.subgraphs[REVOCATION]?.request).toEqual([{ propagate: { named: "X-DC-DEVKEY" } }]);
    expect(config.include_subgraph_errors).toEqual({ all: false, subgraphs: { [REVOCATION]: true } });
  });
});

describe("network", () => {
  test("guard blocks other hosts", async () => {
    // localhost is the fixture's own machine, so a guard that failed would reach only the fixture.
    const target = new URL(orders.url);
    target.hostname = "localhost";
    const before = blockedConnections.length;

    await expect(fetch(target, { method: "POST" })).rejects.toThrow();

    expect(blockedConnections.slice(before)).toEqual([`localhost:${target.port}`]);
    expect(orders.received).toHaveLength(0);
    blockedConnections.splice(before);
  });

  test("no connection outside 127.0.0.1", () => {
    expect(blockedConnections).toEqual([]);
  });
});
