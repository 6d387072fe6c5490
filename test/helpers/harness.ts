import { Writable } from "node:stream";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import type { FastifyInstance } from "fastify";
import { print } from "graphql";
import { loadConfig, type Config } from "../../src/config/config.js";
import { createServer, type GatewayServer, type ServerOverrides } from "../../src/http/server.js";
import { createLogger } from "../../src/logger.js";
import { startSimulator, type CertCentralSimulator, type SimulatorOptions } from "../../simulator/certcentral.js";

/** Everything the service logged, one parsed JSON object per line. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];

  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.lines.push(...chunk.toString("utf8").split("\n").filter((line) => line !== ""));
    callback();
  }

  get text(): string {
    return this.lines.join("\n");
  }

  get entries(): Record<string, unknown>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

/** A gateway on 127.0.0.1 wired to a CertCentral simulator, both on ephemeral ports. */
export interface Harness {
  gateway: FastifyInstance;
  server: GatewayServer;
  simulator: CertCentralSimulator;
  /** URL of the gateway's GraphQL endpoint. */
  graphqlUrl: string;
  logs: LogCapture;
  close(): Promise<void>;
}

export interface HarnessOptions {
  simulator?: SimulatorOptions;
  /** Extra environment for the gateway's configuration. */
  env?: Record<string, string>;
  /** Point the gateway at this base URL in place of the simulator. */
  digicertApiUrl?: string;
  /** Server test seams, given the loaded configuration. */
  overrides?: (config: Config) => ServerOverrides;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const simulator = await startSimulator(0, options.simulator);
  const config = loadConfig({
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "debug",
    DIGICERT_TIMEOUT_MS: "2000",
    ...options.env,
    DIGICERT_API_URL: options.digicertApiUrl ?? simulator.baseUrl,
  });
  const logs = new LogCapture();
  const server = await createServer(config, createLogger(config, logs), options.overrides?.(config));
  const gateway = server.app;
  await gateway.listen({ port: 0, host: "127.0.0.1" });
  const address = gateway.server.address();
  if (typeof address !== "object" || address === null) throw new Error("gateway has no TCP address");

  return {
    gateway,
    server,
    simulator,
    graphqlUrl: `http://127.0.0.1:${address.port}/graphql`,
    logs,
    close: async () => {
      await gateway.close();
      await simulator.close();
    },
  };
}

/** A GraphQL response as the client receives it, with the HTTP status and headers. */
export interface GraphQLAnswer<TData> {
  status: number;
  headers: Headers;
  /** Raw response text, for leak checks. */
  text: string;
  body: {
    data?: TData | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

/** Posts an operation to the gateway as a frontend would. */
export async function postGraphQL<TData, TVariables>(
  url: string,
  document: TypedDocumentNode<TData, TVariables> | string,
  variables?: TVariables,
  headers: Record<string, string> = {},
): Promise<GraphQLAnswer<TData>> {
  const query = typeof document === "string" ? document : print(document);
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, body: JSON.parse(text) as GraphQLAnswer<TData>["body"] };
}
