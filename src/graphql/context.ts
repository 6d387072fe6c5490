import type { Logger } from "pino";
import type { DigicertClient } from "../digicert/client.js";
import { ErrorCode, RevocationOutcome } from "../errors/codes.js";
import { GatewayError } from "../errors/gateway-error.js";

/** Per-request GraphQL context. Built fresh for every HTTP request; nothing in it is shared. */
export interface GatewayContext {
  requestId: string;
  logger: Logger;
  /** DigiCert client bound to this caller's key; undefined when X-DC-DEVKEY is missing, blank or repeated. */
  digicert: DigicertClient | undefined;
}

/** Returns the caller's DigiCert client, or throws UNAUTHENTICATED before any upstream call. */
export function requireDigicert(context: GatewayContext): DigicertClient {
  if (context.digicert === undefined) {
    throw new GatewayError(
      ErrorCode.UNAUTHENTICATED,
      "The X-DC-DEVKEY header is missing, blank or repeated. Send your CertCentral API key once in the X-DC-DEVKEY header.",
      { revocationOutcome: RevocationOutcome.NOT_REVOKED },
    );
  }
  return context.digicert;
}
