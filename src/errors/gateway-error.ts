import { GraphQLError } from "graphql";
import { ErrorCode, RevocationOutcome } from "./codes.js";

/** One entry of DigiCert's `errors` array, as this service passes it on. */
export interface DigicertErrorEntry {
  code: string;
  message: string;
}

/** DigiCert's error response, in `extensions.digicert`; present only when DigiCert returned one. */
export interface DigicertErrorDetails {
  status: number;
  errors: DigicertErrorEntry[];
}

export interface GatewayErrorOptions {
  /** Conclusion the caller may draw about the order. */
  revocationOutcome: RevocationOutcome;
  digicert?: DigicertErrorDetails;
  retryAfterSeconds?: number;
  /** Argument that was rejected, for BAD_USER_INPUT. */
  argumentName?: string;
  /** The failure behind this error, for the server log. It must carry no API key. */
  cause?: Error;
}

/**
 * A deliberate, client-facing error. Its message and extensions are written for the
 * caller and pass unmasked; any other error reaching the client is masked.
 */
export class GatewayError extends GraphQLError {
  readonly code: ErrorCode;
  readonly revocationOutcome: RevocationOutcome;

  constructor(code: ErrorCode, message: string, options: GatewayErrorOptions) {
    const extensions: Record<string, unknown> = {
      code,
      revocationOutcome: options.revocationOutcome,
    };
    if (options.argumentName !== undefined) extensions.argumentName = options.argumentName;
    if (options.retryAfterSeconds !== undefined) extensions.retryAfterSeconds = options.retryAfterSeconds;
    if (options.digicert !== undefined) extensions.digicert = options.digicert;

    super(message, { extensions });
    this.name = "GatewayError";
    this.code = code;
    this.revocationOutcome = options.revocationOutcome;
    if (options.cause !== undefined) {
      Object.defineProperty(this, "cause", { value: options.cause, enumerable: false });
    }
  }
}

/** Builds the BAD_USER_INPUT error for an argument rejected before any DigiCert call. */
export function badUserInput(argumentName: string, message: string): GatewayError {
  return new GatewayError(ErrorCode.BAD_USER_INPUT, message, {
    revocationOutcome: RevocationOutcome.NOT_REVOKED,
    argumentName,
  });
}
