import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { ErrorCode, RevocationOutcome } from "../errors/codes.js";
import { INTERNAL_ERROR_MESSAGE } from "../errors/format-error.js";

/** Messages for fastify's own request rejections, which happen before GraphQL runs. */
function describeRejection(error: FastifyError, request: FastifyRequest, bodyLimit: number): string {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return `The request body is larger than ${bodyLimit} bytes. Send one operation with its variables; a revokeOrder request is far smaller.`;
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return `Content-Type ${JSON.stringify(request.headers["content-type"] ?? "")} is not supported. Send the operation as application/json.`;
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return "The Content-Length header does not match the body. Send the body with its exact length.";
    case "UNSUPPORTED_CHARSET":
      return error.message;
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
      return "The request body is empty. Send a JSON object with a query.";
    case "FST_ERR_CTP_INVALID_JSON_BODY":
    case undefined:
    default:
      return error instanceof SyntaxError || error.code === "FST_ERR_CTP_INVALID_JSON_BODY"
        ? "The request body is not valid JSON. Send a JSON object with a query and optional variables."
        : `The request was rejected: ${error.message}`;
  }
}

/**
 * Fastify error handler: returns request rejections (size, media type, JSON syntax)
 * in the GraphQL response shape with code BAD_REQUEST and the same HTTP status, and
 * masks anything else as INTERNAL_SERVER_ERROR after logging it.
 */
export function createHttpErrorHandler(bodyLimit: number) {
  return function handleHttpError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      request.log.debug({ code: error.code, status }, "HTTP request rejected");
      return reply
        .code(status)
        .type("application/json")
        .send({
          errors: [
            {
              message: describeRejection(error, request, bodyLimit),
              extensions: { code: ErrorCode.BAD_REQUEST, revocationOutcome: RevocationOutcome.NOT_REVOKED },
            },
          ],
        });
    }
    request.log.error({ err: error }, "Unexpected error while handling an HTTP request");
    return reply
      .code(500)
      .type("application/json")
      .send({
        errors: [{ message: INTERNAL_ERROR_MESSAGE, extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, revocationOutcome: RevocationOutcome.UNKNOWN } }],
      });
  };
}
