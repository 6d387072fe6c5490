import { ApolloServerErrorCode, unwrapResolverError } from "@apollo/server/errors";
import type { GraphQLFormattedError } from "graphql";
import { ErrorCode, RevocationOutcome } from "./codes.js";
import { GatewayError } from "./gateway-error.js";

/**
 * Codes Apollo Server sets on request errors it raises itself (unparsable document,
 * failed validation, bad variables). Their messages are about the caller's own
 * operation and pass unmasked.
 */
const APOLLO_REQUEST_ERROR_CODES = new Set<string>([
  ApolloServerErrorCode.GRAPHQL_PARSE_FAILED,
  ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
  ApolloServerErrorCode.BAD_USER_INPUT,
  ApolloServerErrorCode.BAD_REQUEST,
  ApolloServerErrorCode.OPERATION_RESOLUTION_FAILURE,
  ApolloServerErrorCode.PERSISTED_QUERY_NOT_SUPPORTED,
]);

export const INTERNAL_ERROR_MESSAGE = "Internal server error. The revocation outcome is unknown if this came from revokeOrder: check the order before trying again.";

/**
 * True for errors whose message and extensions are meant for the caller: the ones this
 * service raises on purpose, and Apollo Server's own request errors.
 */
export function isClientSafe(error: unknown, code: unknown): boolean {
  if (unwrapResolverError(error) instanceof GatewayError) return true;
  return typeof code === "string" && APOLLO_REQUEST_ERROR_CODES.has(code);
}

/**
 * Apollo Server's formatError: passes deliberate errors on and replaces everything
 * else with a generic INTERNAL_SERVER_ERROR. The unexpected error itself is logged by
 * the logging plugin, which receives it before this runs. Stack traces never go out
 * because includeStacktraceInErrorResponses is off.
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  if (unwrapResolverError(error) instanceof GatewayError) {
    return formatted;
  }
  if (isClientSafe(error, formatted.extensions?.code)) {
    // Apollo Server's own text asks the caller to change ApolloServer's options, but here it is a setting.
    const message =
      formatted.extensions?.validationErrorCode === "INTROSPECTION_DISABLED"
        ? "Introspection is disabled on this server. Operators can turn it on with INTROSPECTION=true."
        : formatted.message;
    // Apollo Server rejected the request before any resolver ran, so nothing was sent.
    return { ...formatted, message, extensions: { ...formatted.extensions, revocationOutcome: RevocationOutcome.NOT_REVOKED } };
  }
  return {
    message: INTERNAL_ERROR_MESSAGE,
    ...(formatted.locations === undefined ? {} : { locations: formatted.locations }),
    ...(formatted.path === undefined ? {} : { path: formatted.path }),
    extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, revocationOutcome: RevocationOutcome.UNKNOWN },
  };
}
