import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { isClientSafe } from "../errors/format-error.js";
import type { GatewayMetrics } from "../metrics.js";
import type { GatewayContext } from "./context.js";

/**
 * Logs one line per GraphQL operation (name, outcome codes, HTTP status, duration) and
 * every unexpected error in full. Errors the service raises on purpose are not logged
 * here: upstream failures were logged where they arose, and bad input needs no log.
 * Variables are never logged, because comments are the callers' own text.
 */
export function loggingPlugin(metrics: GatewayMetrics): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            if (isClientSafe(error, error.extensions?.code)) continue;
            contextValue.logger.error(
              { err: unwrapResolverError(error), path: error.path },
              "Unexpected error while executing an operation; the caller got INTERNAL_SERVER_ERROR",
            );
          }
        },
        async willSendResponse({ operationName, operation, response }) {
          const errors = response.body.kind === "single" ? (response.body.singleResult.errors ?? []) : [];
          const codes = errors.map((error) => String(error.extensions?.code ?? "UNKNOWN"));
          const outcome = codes.length === 0 ? "OK" : [...new Set(codes)].join(",");
          metrics.operations.inc({ operation: operationName ?? "anonymous", outcome: codes[0] ?? "OK" });
          contextValue.logger.info(
            {
              operationName: operationName ?? null,
              operationType: operation?.operation ?? null,
              outcome,
              httpStatus: response.http.status ?? 200,
              durationMs: Math.round(performance.now() - started),
              upstream: contextValue.digicert?.calls,
            },
            "GraphQL operation finished",
          );
        },
      };
    },
  };
}
