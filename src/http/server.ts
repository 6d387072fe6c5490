import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginInlineTrace } from "@apollo/server/plugin/inlineTrace";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import fastifyApollo, { fastifyApolloDrainPlugin } from "@as-integrations/fastify";
import fastifyCors from "@fastify/cors";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Config } from "../config/config.js";
import { ApiKey } from "../digicert/api-key.js";
import { DigicertClient } from "../digicert/client.js";
import { createDigicertHttp } from "../digicert/http.js";
import { formatError } from "../errors/format-error.js";
import type { GatewayContext } from "../graphql/context.js";
import { loggingPlugin } from "../graphql/logging-plugin.js";
import { buildGatewaySchema } from "../graphql/schema.js";
import { REQUEST_ID_HEADER, requestIdFor } from "./request-id.js";

/** Largest accepted request body, in bytes. A revokeOrder document is well under 4 KiB. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Operation prefilled in Apollo Sandbox's editor outside production. */
export const SANDBOX_DOCUMENT = `mutation RevokeOrder($orderId: ID!, $reason: RevocationReason, $comment: String, $skipApproval: Boolean) {
  revokeOrder(orderId: $orderId, reason: $reason, comment: $comment, skipApproval: $skipApproval) {
    __typename
    ... on RevokeRequest { id date status comments orderId requester { id firstName lastName email } }
    ... on RevokedImmediately { orderId reason confirmationReceivedAt }
  }
}`;

/**
 * Builds the HTTP server: fastify with Apollo Server at /graphql and /healthz. The
 * caller starts it with `listen` and stops it with `close`, which lets in-flight
 * GraphQL requests finish first.
 */
export async function createServer(config: Config, logger: Logger): Promise<FastifyInstance> {
  const schema = await buildGatewaySchema();
  const digicertHttp = createDigicertHttp(config);

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
    introspection: !config.production,
    persistedQueries: false,
    logger,
    plugins: [
      fastifyApolloDrainPlugin(app),
      loggingPlugin(),
      // Federated traces for the router carry masked error messages only.
      ApolloServerPluginInlineTrace({ includeErrors: { masked: true } }),
      config.production
        ? ApolloServerPluginLandingPageDisabled()
        : ApolloServerPluginLandingPageLocalDefault({
            embed: true,
            document: SANDBOX_DOCUMENT,
            variables: { orderId: "1001", reason: "KEY_COMPROMISE", comment: "Key leaked in a public repository" },
            headers: { "X-DC-DEVKEY": "" },
          }),
    ],
  });
  await apollo.start();

  app.addHook("onRequest", async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
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
      const key = ApiKey.fromHeader(request.headers["x-dc-devkey"]);
      const requestLogger = request.log as Logger;
      return {
        requestId: request.id,
        logger: requestLogger,
        digicert: key === undefined ? undefined : new DigicertClient(digicertHttp, key, requestLogger, config.digicertTimeoutMs),
      };
    },
  });

  app.get("/healthz", async () => ({ status: "ok" }));

  return app;
}
