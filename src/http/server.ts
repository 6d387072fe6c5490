import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginInlineTrace } from "@apollo/server/plugin/inlineTrace";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import fastifyApollo from "@as-integrations/fastify";
import fastifyCors from "@fastify/cors";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Got } from "got";
import type { Logger } from "pino";
import type { Config } from "../config/config.js";
import { ApiKey } from "../digicert/api-key.js";
import { DigicertClient } from "../digicert/client.js";
import { createDigicertHttp } from "../digicert/http.js";
import { formatError } from "../errors/format-error.js";
import type { GatewayContext } from "../graphql/context.js";
import { loggingPlugin } from "../graphql/logging-plugin.js";
import { buildGatewaySchema } from "../graphql/schema.js";
import { GatewayMetrics } from "../metrics.js";
import { createHttpErrorHandler } from "./http-errors.js";
import { BODY_LIMIT_BYTES, createDocumentLimits, MAX_DOCUMENT_TOKENS, rejectUnsupportedCharset } from "./request-limits.js";
import { REQUEST_ID_HEADER, requestIdFor } from "./request-id.js";

/** Test seams; production passes none. */
export interface ServerOverrides {
  /** got instance for DigiCert calls, in place of the one built from the configuration. */
  digicertHttp?: Got;
}

/** Operation prefilled in Apollo Sandbox's editor outside production. */
export const SANDBOX_DOCUMENT = `mutation RevokeOrder($orderId: ID!, $reason: RevocationReason, $comment: String, $skipApproval: Boolean) {
  revokeOrder(orderId: $orderId, reason: $reason, comment: $comment, skipApproval: $skipApproval) {
    __typename
    ... on RevokeRequest { id date status comments orderId requester { id firstName lastName email } }
    ... on RevokedImmediately { orderId reason confirmationReceivedAt }
  }
}`;

/** Readiness state shared by /readyz and the shutdown sequence. */
export interface Lifecycle {
  /** True from the shutdown signal on: /readyz returns 503 so the load balancer stops sending. */
  draining: boolean;
}

/** The HTTP server with the state its owner needs to run and stop it. */
export interface GatewayServer {
  app: FastifyInstance;
  lifecycle: Lifecycle;
  metrics: GatewayMetrics;
}

/**
 * Builds the HTTP server: fastify with Apollo Server at /graphql, plus /healthz,
 * /readyz and /metrics. The caller starts it with `app.listen` and stops it with
 * `app.close`, which refuses new requests with 503 and lets in-flight ones finish.
 */
export async function createServer(config: Config, logger: Logger, overrides: ServerOverrides = {}): Promise<GatewayServer> {
  const schema = await buildGatewaySchema();
  const metrics = new GatewayMetrics();
  const lifecycle: Lifecycle = { draining: false };
  const digicertHttp = overrides.digicertHttp ?? createDigicertHttp(config);
  const protection = createDocumentLimits(config.production);

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: BODY_LIMIT_BYTES,
    genReqId: requestIdFor,
    // The logging plugin writes one line per GraphQL operation; fastify's own
    // per-request lines would double them.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: "requestId" }),
  });

  const apollo = new ApolloServer<GatewayContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    introspection: config.introspection,
    persistedQueries: false,
    // The owner of the process drains on SIGTERM (see shutdown.ts). Apollo's own handler
    // would stop the server early and re-raise the signal, so the exit code would not be 0,
    // and fastifyApolloDrainPlugin would cut connections still waiting on DigiCert after 10 s.
    stopOnTerminationSignals: false,
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: MAX_DOCUMENT_TOKENS },
    validationRules: protection.validationRules,
    logger,
    plugins: [
      // graphql-armor's types come from Apollo Server's CommonJS build; the plugins are the same objects.
      ...(protection.plugins as unknown as ApolloServerPlugin<GatewayContext>[]),
      loggingPlugin(metrics),
      // Federated traces for the router carry masked error messages only.
      ApolloServerPluginInlineTrace({ includeErrors: { masked: true } }),
      config.sandbox
        ? ApolloServerPluginLandingPageLocalDefault({
            // Sandbox sends no usage telemetry to Apollo from this internal service.
            embed: { runTelemetry: false, endpointIsEditable: false },
            document: SANDBOX_DOCUMENT,
            variables: { orderId: "1001", reason: "KEY_COMPROMISE", comment: "Key leaked in a public repository" },
            headers: { "X-DC-DEVKEY": "" },
          })
        : ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();
  // fastify runs onClose hooks once in-flight requests have finished.
  app.addHook("onClose", async () => {
    await apollo.stop();
  });

  app.setErrorHandler(createHttpErrorHandler(BODY_LIMIT_BYTES));
  // While draining, responses close their connection, so the server.close() wait ends with
  // the last in-flight request instead of with the clients' keep-alive timeouts.
  app.addHook("onSend", async (_request, reply) => {
    if (lifecycle.draining) reply.header("connection", "close");
  });
  app.addHook("onRequest", async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    rejectUnsupportedCharset(request.headers["content-type"]);
  });

  await app.register(fastifyCors, {
    origin: config.corsOrigins,
    methods: ["GET", "POST", "OPTIONS"],
    allowedHeaders: ["content-type", "x-dc-devkey", "apollo-require-preflight", "x-apollo-operation-name", REQUEST_ID_HEADER, "traceparent"],
    exposedHeaders: [REQUEST_ID_HEADER],
    maxAge: 600,
  });

  await app.register(fastifyApollo(apollo), {
    context: async (request) => {
      // Node joins a repeated header into "a, b"; a repeated key header is ambiguous, so it counts as none.
      const headerCount = request.raw.rawHeaders.filter((value, index) => index % 2 === 0 && value.toLowerCase() === "x-dc-devkey").length;
      const key = headerCount === 1 ? ApiKey.fromHeader(request.headers["x-dc-devkey"]) : undefined;
      const requestLogger = request.log as Logger;
      return {
        requestId: request.id,
        logger: requestLogger,
        digicert:
          key === undefined
            ? undefined
            : new DigicertClient({ http: digicertHttp, key, logger: requestLogger, timeoutMs: config.digicertTimeoutMs, metrics }),
      };
    },
  });

  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    if (lifecycle.draining) return reply.code(503).send({ status: "draining" });
    return { status: "ready" };
  });
  app.get("/metrics", async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  return { app, lifecycle, metrics };
}
