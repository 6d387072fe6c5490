import { z } from "zod";
import { timestampSchema, toDate, toDigicertUser, userSchema, type DigicertUser } from "./shapes.js";

export type { DigicertUser };

/** DigiCert's `revocation_reason` tokens, spelled exactly as DigiCert accepts them. */
export type DigicertRevocationReason =
  | "unspecified"
  | "keyCompromise"
  | "affiliationChanged"
  | "superseded"
  | "cessationOfOperation";

/** Fields a caller may set on a revocation; each is sent only when given. */
export interface RevokeOrderInput {
  reason?: DigicertRevocationReason;
  comments?: string;
  skipApproval?: boolean;
}

/** Body of `PUT /order/certificate/{order_id}/revoke`, in DigiCert's field names. */
export interface RevokeOrderRequestBody {
  revocation_reason?: DigicertRevocationReason;
  comments?: string;
  skip_approval?: boolean;
}

/** Builds the request body with only the fields the caller gave. */
export function toRequestBody(input: RevokeOrderInput): RevokeOrderRequestBody {
  const body: RevokeOrderRequestBody = {};
  if (input.reason !== undefined) body.revocation_reason = input.reason;
  if (input.comments !== undefined) body.comments = input.comments;
  if (input.skipApproval !== undefined) body.skip_approval = input.skipApproval;
  return body;
}

/** Revocation request statuses DigiCert documents; a new request is `pending`. */
export const REQUEST_STATUSES = ["submitted", "pending", "approved", "rejected"] as const;
export type DigicertRequestStatus = (typeof REQUEST_STATUSES)[number];

/** The revocation request object of a 201 response. */
const revocationRequestSchema = z.object({
  id: z.number().int().positive(),
  date: timestampSchema,
  status: z.enum(REQUEST_STATUSES),
  requester: userSchema,
  comments: z.string().nullish(),
});

/** A revocation request that an administrator must still approve. */
export interface RevocationRequest {
  id: number;
  date: Date;
  status: DigicertRequestStatus;
  requester: DigicertUser;
  comments: string | null;
}

/** Outcome of a revocation that DigiCert accepted. */
export type RevokeOrderResult =
  | { kind: "request-created"; request: RevocationRequest }
  | { kind: "revoked"; confirmationReceivedAt: Date };

/**
 * Reads a 201 body as a revocation request. Returns the reason as a string when the
 * body is not one, so the caller can report the outcome as unknown.
 */
export function parseRevocationRequest(body: string): RevocationRequest | string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return body.trim() === "" ? "the body is empty" : "the body is not JSON";
  }

  const result = revocationRequestSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    return `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`;
  }

  const request = result.data;
  return {
    id: request.id,
    date: toDate(request.date),
    status: request.status,
    requester: toDigicertUser(request.requester),
    comments: request.comments ?? null,
  };
}
