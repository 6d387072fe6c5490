import type { IncomingHttpHeaders } from "node:http";
import { ErrorCode, RevocationOutcome } from "../errors/codes.js";
import { GatewayError, type DigicertErrorDetails, type DigicertErrorEntry } from "../errors/gateway-error.js";
import { redactKey, type ApiKey } from "./api-key.js";
import { parseErrorBody, parseRetryAfter } from "./error-body.js";

/**
 * Seconds a caller is asked to wait after a 429 without Retry-After. DigiCert documents
 * no Retry-After and blocks a key "for a while"; its limits run on 5-second and
 * 3-minute windows, so a minute is a cautious default.
 */
export const DEFAULT_RETRY_AFTER_SECONDS = 60;

/** Connection errors raised before any byte of the request left this host. */
const NOT_SENT_ERROR_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);

/** The DigiCert call an error belongs to. */
export interface UpstreamCall {
  /** Action the call performs, for messages: "revoke order 123". */
  action: string;
  /** Endpoint label for logs and metrics. */
  endpoint: string;
  /** True for the revoke PUT; false for reads, which cannot revoke anything. */
  mutating: boolean;
  orderId: string;
  key: ApiKey;
  skipApproval: boolean;
  timeoutMs: number;
}

/**
 * A transport failure with only its name, code and message copied: got's own errors
 * carry the request options, headers and so the key, so they are never kept or logged.
 */
export class UpstreamFault extends Error {
  override name = "UpstreamFault";
  readonly code: string | undefined;

  constructor(message: string, code: string | undefined) {
    super(message);
    this.code = code;
  }
}

/**
 * Returns the outcome and advice for a failure after the request may have reached DigiCert:
 * unknown for a revocation, harmless for a read.
 */
function mayHaveActed(call: UpstreamCall, revocationAdvice: string): { outcome: RevocationOutcome; advice: string } {
  return call.mutating
    ? { outcome: RevocationOutcome.UNKNOWN, advice: revocationAdvice }
    : { outcome: RevocationOutcome.NOT_REVOKED, advice: "A read changes nothing; try again later." };
}

function describeEntries(entries: DigicertErrorEntry[]): string {
  if (entries.length === 0) return "no error details";
  return entries.map((entry) => [entry.code, entry.message].filter(Boolean).join(": ")).join("; ");
}

function details(status: number, body: string, key: ApiKey): DigicertErrorDetails {
  const errors = parseErrorBody(body).map((entry) => ({
    code: redactKey(entry.code, key),
    message: redactKey(entry.message, key),
  }));
  return { status, errors };
}

/** Maps a DigiCert response that is not the expected success to the error the caller gets. */
export function errorFromResponse(
  status: number,
  headers: IncomingHttpHeaders,
  body: string,
  call: UpstreamCall,
): GatewayError {
  const digicert = details(status, body, call.key);
  const codes = digicert.errors.map((entry) => entry.code);
  const described = `HTTP ${status}, ${describeEntries(digicert.errors)}`;
  const notRevoked = { revocationOutcome: RevocationOutcome.NOT_REVOKED, digicert };

  if (status === 401) {
    return new GatewayError(
      ErrorCode.UNAUTHENTICATED,
      `DigiCert rejected the API key sent in X-DC-DEVKEY (${described}). Send an active CertCentral API key.`,
      notRevoked,
    );
  }
  if (status === 403) {
    const hint = !call.mutating
      ? ""
      : call.skipApproval
      ? " Revoking with skipApproval needs a key with administrator rights: use such a key, or send the request without skipApproval so that an administrator approves it."
      : " A View Only key, or a key restricted from revoking, cannot revoke.";
    return new GatewayError(
      ErrorCode.FORBIDDEN,
      `DigiCert refused to let this API key ${call.action} (${described}).${hint}`,
      notRevoked,
    );
  }
  if (status === 404 && codes.includes("not_found|order")) {
    return new GatewayError(
      ErrorCode.ORDER_NOT_FOUND,
      `DigiCert has no order ${call.orderId} in the account of this API key. Check the order id and the account.`,
      notRevoked,
    );
  }
  if (status === 404) {
    return new GatewayError(
      ErrorCode.UPSTREAM_ERROR,
      `DigiCert does not know the endpoint the gateway called (${described}), so the gateway's DIGICERT_API_URL is wrong; nothing was revoked. Ask the operators to fix DIGICERT_API_URL.`,
      notRevoked,
    );
  }
  if (status === 429) {
    const retryAfterSeconds = parseRetryAfter(headers["retry-after"]) ?? DEFAULT_RETRY_AFTER_SECONDS;
    return new GatewayError(
      ErrorCode.RATE_LIMITED,
      `DigiCert's rate limit for this API key is exceeded (${described}); the request was not processed. Wait ${retryAfterSeconds} s before trying again: DigiCert keeps blocking a key that keeps sending.`,
      { ...notRevoked, retryAfterSeconds },
    );
  }
  if (status >= 400 && status < 500) {
    return new GatewayError(
      ErrorCode.REVOCATION_REJECTED,
      `DigiCert rejected the request to ${call.action} (${described}).`,
      notRevoked,
    );
  }
  if (status >= 500) {
    const { outcome, advice } = mayHaveActed(call, "The revocation may have happened: check the order in CertCentral before trying again.");
    return new GatewayError(ErrorCode.UPSTREAM_ERROR, `DigiCert failed while asked to ${call.action} (${described}). ${advice}`, {
      revocationOutcome: outcome,
      digicert,
    });
  }
  if (status >= 300 && status < 400) {
    const { outcome, advice } = mayHaveActed(call, "The outcome is unknown: check the order in CertCentral.");
    return new GatewayError(
      ErrorCode.UPSTREAM_ERROR,
      `DigiCert answered with a redirect (HTTP ${status}), which the gateway does not follow, so the key was sent nowhere else. ${advice} Ask the operators to check DIGICERT_API_URL.`,
      { revocationOutcome: outcome },
    );
  }
  const { outcome, advice } = mayHaveActed(call, "The outcome is unknown: check the order in CertCentral before trying again.");
  return new GatewayError(
    ErrorCode.UPSTREAM_ERROR,
    `DigiCert answered HTTP ${status}, which is not a documented answer to a request to ${call.action}. ${advice}`,
    { revocationOutcome: outcome },
  );
}

/** Maps a 201 whose body is not a revocation request object. */
export function errorFromUnreadableRequest(call: UpstreamCall, reason: string): GatewayError {
  return new GatewayError(
    ErrorCode.UPSTREAM_ERROR,
    `DigiCert answered 201 Created to the request to ${call.action}, so a revocation request was probably created, but the answer is not a revocation request object (${reason}). The outcome is unknown: check the order's requests in CertCentral before trying again.`,
    { revocationOutcome: RevocationOutcome.UNKNOWN },
  );
}

/** Maps a 200 response to a read whose body is not the documented object. */
export function errorFromUnreadableRead(call: UpstreamCall, reason: string): GatewayError {
  return new GatewayError(
    ErrorCode.UPSTREAM_ERROR,
    `DigiCert's answer to the request to ${call.action} could not be read (${reason}). A read changes nothing; try again later.`,
    { revocationOutcome: RevocationOutcome.NOT_REVOKED },
  );
}

/** Maps a response cut off because it exceeded the size cap. */
export function errorFromOversizedResponse(call: UpstreamCall, maxBytes: number): GatewayError {
  const { outcome, advice } = mayHaveActed(call, "The outcome is unknown: check the order in CertCentral before trying again.");
  return new GatewayError(
    ErrorCode.UPSTREAM_ERROR,
    `DigiCert's answer to the request to ${call.action} was larger than ${maxBytes} bytes and was not read. ${advice}`,
    { revocationOutcome: outcome, cause: new UpstreamFault(`response over ${maxBytes} bytes`, "ERR_RESPONSE_TOO_LARGE") },
  );
}

function errorCodeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Maps a failure to get any HTTP response from DigiCert: no connection, timeout, reset. */
export function errorFromTransport(error: unknown, call: UpstreamCall): GatewayError {
  const code = errorCodeOf(error);
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? redactKey(error.message, call.key) : String(error);
  const cause = new UpstreamFault(`${name}: ${message}`, code);

  const { outcome, advice } = mayHaveActed(
    call,
    "The request may have reached DigiCert and the revocation may have happened: check the order in CertCentral before trying again.",
  );
  if (name === "TimeoutError" || code === "ETIMEDOUT") {
    return new GatewayError(
      ErrorCode.UPSTREAM_TIMEOUT,
      `DigiCert did not answer the request to ${call.action} within ${call.timeoutMs} ms. ${advice}`,
      { revocationOutcome: outcome, cause },
    );
  }
  if (code !== undefined && NOT_SENT_ERROR_CODES.has(code)) {
    return new GatewayError(
      ErrorCode.UPSTREAM_UNAVAILABLE,
      `The gateway could not connect to DigiCert (${code}), so the request to ${call.action} was not sent. Try again later.`,
      { revocationOutcome: RevocationOutcome.NOT_REVOKED, cause },
    );
  }
  return new GatewayError(
    ErrorCode.UPSTREAM_ERROR,
    `The connection to DigiCert failed during the request to ${call.action} (${code ?? name}). ${advice}`,
    { revocationOutcome: outcome, cause },
  );
}
