import { z } from "zod";

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

// ISO 8601 with a UTC offset, as DigiCert writes timestamps ("2016-02-10T17:06:15+00:00").
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

const userSchema = z.object({
  id: z.number().int(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  email: z.string().nullish(),
});

/** The revocation request object of a 201 answer. */
const revocationRequestSchema = z.object({
  id: z.number().int().positive(),
  date: z.string().regex(TIMESTAMP, "date is not an ISO 8601 timestamp with an offset"),
  status: z.enum(REQUEST_STATUSES),
  requester: userSchema,
  comments: z.string().nullish(),
});

/** A DigiCert user as this service passes it on. */
export interface DigicertUser {
  id: number;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
}

/** A revocation request that an administrator must still approve. */
export interface RevocationRequest {
  id: number;
  date: Date;
  status: DigicertRequestStatus;
  requester: DigicertUser;
  comments: string | null;
}

/** What DigiCert did with a revocation. */
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
    date: new Date(request.date.replace(" ", "T")),
    status: request.status,
    requester: {
      id: request.requester.id,
      firstName: request.requester.first_name ?? null,
      lastName: request.requester.last_name ?? null,
      email: request.requester.email ?? null,
    },
    comments: request.comments ?? null,
  };
}
