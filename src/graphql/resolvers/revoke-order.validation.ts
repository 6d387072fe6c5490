import type { DigicertRevocationReason } from "../../digicert/revoke-order.js";
import { badUserInput } from "../../errors/gateway-error.js";
import { RevocationReason } from "../types/enums.js";

/**
 * Largest id accepted. DigiCert ids are JSON integers, and above 2^53 - 1 a JSON
 * integer is no longer exact in JavaScript, so no real id is larger.
 */
const MAX_ORDER_ID = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Maximum comment length, in characters. DigiCert publishes no limit; this one keeps
 * comments to what an approver reads and is documented in the README.
 */
export const MAX_COMMENT_LENGTH = 2000;

// C0 controls other than tab, line feed and carriage return; DEL; C1 controls.
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/**
 * Returns a DigiCert id (order or request) as a canonical decimal string, or throws
 * BAD_USER_INPUT naming the argument.
 */
export function validateDigicertId(argumentName: string, value: string, kind: "order" | "request"): string {
  const shown = JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (!/^[1-9][0-9]*$/.test(value) || BigInt(value) > MAX_ORDER_ID) {
    throw badUserInput(
      argumentName,
      `${argumentName} ${shown} is not a DigiCert ${kind} id: send a positive whole number without sign, spaces or leading zeros, at most ${Number.MAX_SAFE_INTEGER}.`,
    );
  }
  return value;
}

/** Returns the order id as a canonical decimal string, or throws BAD_USER_INPUT. */
export function validateOrderId(orderId: string): string {
  return validateDigicertId("orderId", orderId, "order");
}

/** Returns the comment unchanged, or throws BAD_USER_INPUT when it is too long or has control characters. */
export function validateComment(comment: string): string {
  if (comment.length > MAX_COMMENT_LENGTH) {
    throw badUserInput(
      "comment",
      `comment is ${comment.length} characters long; the maximum is ${MAX_COMMENT_LENGTH}. Shorten it.`,
    );
  }
  const control = CONTROL_CHARACTERS.exec(comment);
  if (control !== null) {
    const codePoint = control[0].codePointAt(0) ?? 0;
    throw badUserInput(
      "comment",
      `comment contains the control character U+${codePoint.toString(16).toUpperCase().padStart(4, "0")} at position ${control.index}. Remove it; tabs and line breaks are allowed.`,
    );
  }
  return comment;
}

/** Converts a GraphQL reason to DigiCert's token. */
export function toDigicertReason(reason: RevocationReason): DigicertRevocationReason {
  switch (reason) {
    case RevocationReason.UNSPECIFIED:
      return "unspecified";
    case RevocationReason.KEY_COMPROMISE:
      return "keyCompromise";
    case RevocationReason.AFFILIATION_CHANGED:
      return "affiliationChanged";
    case RevocationReason.SUPERSEDED:
      return "superseded";
    case RevocationReason.CESSATION_OF_OPERATION:
      return "cessationOfOperation";
    default:
      return assertNever(reason);
  }
}

/** Fails to compile where a switch misses a case of one of our enums. */
export function assertNever(value: never): never {
  throw new Error(`Unhandled value: ${String(value)}`);
}
