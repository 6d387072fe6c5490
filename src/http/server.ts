import { ApolloServer, type ApolloServerPlugin } from "@apollo/server";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginInlineTrace } from "@apollo/server/plugin/inlineTrace";
import { ApolloServerPluginLandingPageLocalDefault } from "@apollo/server/plugin/landingPage/default";
import fastifyApollo, { fastifyApolloDrainPlugin } from "@as-integrations/fastify";
import fastifyCors from "@fastify/cors";
import { ApolloArmor } from "@escape.tech/graphql-armor";
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
import { createHttpErrorHandler } from "./http-errors.js";
import { REQUEST_ID_HEADER, requestIdFor } from "./request-id.js";

/** Largest accepted request body, in bytes. A revokeOrder document is well under 4 KiB. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Limits on the shape of a GraphQL document, checked before execution. The schema is
 * at most four levels deep; the limits leave room for clients' fragments while
 * rejecting documents built to exhaust the server. Aliases are capped low because each
 * aliased revokeOrder would be another revocation.
 */
const armor = (production: boolean) =>
  new ApolloArmor({
    maxDepth: { n: 10, ignoreIntrospection: true, exposeLimits: true },
    maxAliases: { n: 10, exposeLimits: true },
    maxDirectives: { n: 20, exposeLimits: true },
    // graphql-armor 3.2.0's Apollo token plugin throws from parsingDidStart, which turns every
    // syntax error into HTTP 500; graphql-js's own parse option below limits tokens instead.
    maxTokens: { enabled: false },
    costLimit: { maxCost: 5000, ignoreIntrospection: true, exposeLimits: true },
    // Suggestions ("Did you mean ...?") reveal the schema, which production does not publish.
    blockFieldSuggestion: { enabled: production },
  }).protect();

/**
 * Throws 415 for a body in a charset other than UTF-8. GraphQL over HTTP bodies are
 * UTF-8 JSON, and decoding another charset as UTF-8 would alter the comment silently.
 */
function rejectUnsupportedCharset(contentType: string | undefined): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? "")?.[1];
  if (charset === undefined || /^utf-?8$/i.test(charset)) return;
  throw Object.assign(new Error(`Charset ${JSON.stringify(charset)} is not supported. Send the body as UTF-8.`), {
    statusCode: 415,
    code: "UNSUPPORTED_CHARSET",
  });
}

/** Largest GraphQL document accepted, in lexical tokens; graphql-js's full introspection query has 184. */
export const MAX_DOCUMENT_TOKENS = 2000;

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

/**
 * Builds the HTTP server: fastify with Apollo Server at /graphql and /healthz. The
 * caller starts it with `listen` and stops it with `close`, which lets in-flight
 * GraphQL requests finish first.
 */
export async function createServer(config: Config, logger: Logger, overrides: ServerOverrides = {}): Promise<FastifyInstance> {
  const schema = await buildGatewaySchema();
  const digicertHttp = overrides.digicertHttp ?? createDigicertHttp(config);
  const protection = armor(config.production);

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
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: MAX_DOCUMENT_TOKENS },
    validationRules: protection.validationRules,
    logger,
    plugins: [
      // graphql-armor's types come from Apollo Server's CommonJS build; the plugins are the same objects.
      ...(protection.plugins as unknown as ApolloServerPlugin<GatewayContext>[]),
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

  app.setErrorHandler(createHttpErrorHandler(BODY_LIMIT_BYTES));
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
