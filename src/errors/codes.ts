/**
 * The public error contract: every error this service returns carries one of these
 * values in `extensions.code`. Frontends switch on them, so a value is never renamed.
 * The README's error table lists the same codes, and a test keeps the two in step.
 */
export enum ErrorCode {
  /** No X-DC-DEVKEY header, or DigiCert returned 401 for the key. */
  UNAUTHENTICATED = "UNAUTHENTICATED",
  /** DigiCert returned 403: the key lacks a permission. */
  FORBIDDEN = "FORBIDDEN",
  /** DigiCert returned 404 `not_found|order`. */
  ORDER_NOT_FOUND = "ORDER_NOT_FOUND",
  /** An argument was rejected before any DigiCert call. */
  BAD_USER_INPUT = "BAD_USER_INPUT",
  /** DigiCert refused the revocation with another 4xx. */
  REVOCATION_REJECTED = "REVOCATION_REJECTED",
  /** DigiCert answered 429: the key is over its rate limit. */
  RATE_LIMITED = "RATE_LIMITED",
  /** DigiCert did not answer within the budget: the revocation may have happened. */
  UPSTREAM_TIMEOUT = "UPSTREAM_TIMEOUT",
  /** The connection to DigiCert could not be made: nothing was sent. */
  UPSTREAM_UNAVAILABLE = "UPSTREAM_UNAVAILABLE",
  /** DigiCert answered 5xx or something this service cannot read. */
  UPSTREAM_ERROR = "UPSTREAM_ERROR",
  /** Anything unexpected: logged in full on the server, masked for the caller. */
  INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR",

  // Request errors raised before execution, with HTTP 400 unless noted.
  /** The document is not valid GraphQL syntax. */
  GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED",
  /**
   * The document does not match the schema. With NODE_ENV=production an introspection
   * query gets this code and `extensions.validationErrorCode: INTROSPECTION_DISABLED`.
   */
  GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED",
  /**
   * The HTTP request is not a GraphQL request this server accepts: wrong media type or
   * charset, body too large, malformed JSON, batching, a mutation over GET (HTTP 405),
   * or a text/plain POST blocked by CSRF prevention.
   */
  BAD_REQUEST = "BAD_REQUEST",
  /** operationName names no operation of the document, or the document has several and none is named. */
  OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE",
  /** Automatic persisted queries are off: send the whole document. */
  PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED",
}

/**
 * Conclusion the caller may draw about the order after an error, in
 * `extensions.revocationOutcome`.
 */
export enum RevocationOutcome {
  /** DigiCert did not revoke: the request never reached it, or it refused it. */
  NOT_REVOKED = "NOT_REVOKED",
  /** The request may have reached DigiCert and acted: check the order before trying again. */
  UNKNOWN = "UNKNOWN",
}
