import { z } from "zod";
import { REQUEST_STATUSES, type DigicertRequestStatus } from "./revoke-order.js";
import { timestampSchema as timestamp, toDate, toDigicertUser, userSchema, type DigicertUser } from "./shapes.js";

/** `GET /request/{request_id}`: the fields a frontend needs. */
const requestDetailsSchema = z.object({
  id: z.number().int().positive(),
  date: timestamp,
  type: z.string(),
  status: z.enum(REQUEST_STATUSES),
  date_processed: timestamp.nullish(),
  requester: userSchema.nullish(),
  processor: userSchema.nullish(),
  order: z.object({ id: z.number().int().positive() }).nullish(),
  comments: z.string().nullish(),
  processor_comment: z.string().nullish(),
});

/** `GET /order/certificate/{order_id}`: only the requests list is read. */
const orderSchema = z.object({
  id: z.number().int().positive(),
  requests: z
    .array(
      z.object({
        id: z.number().int().positive(),
        date: timestamp,
        type: z.string(),
        status: z.enum(REQUEST_STATUSES),
        comments: z.string().nullish(),
      }),
    )
    .default([]),
});

/** A request of DigiCert's approval workflow, of any type. */
export interface RequestDetails {
  id: number;
  date: Date;
  /** DigiCert's request type: `revoke`, `new_request`, `reissue`, `duplicate`. */
  type: string;
  status: DigicertRequestStatus;
  processedDate: Date | null;
  requester: DigicertUser | null;
  processor: DigicertUser | null;
  orderId: number | null;
  comments: string | null;
  processorComment: string | null;
}

/** One entry of an order's `requests[]`. */
export interface OrderRequestSummary {
  id: number;
  date: Date;
  type: string;
  status: DigicertRequestStatus;
  comments: string | null;
}

/** DigiCert writes "" for a missing comment in some responses; both mean none. */
function textOrNull(value: string | null | undefined): string | null {
  return value === undefined || value === null || value === "" ? null : value;
}

function toUser(user: z.infer<typeof userSchema> | null | undefined): DigicertUser | null {
  return user === null || user === undefined ? null : toDigicertUser(user);
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join(".") || "body"}: ${issue?.message ?? "invalid"}`;
}

/** Reads a request object, or returns the reason it is not one. */
export function parseRequestDetails(body: string): RequestDetails | string {
  const result = requestDetailsSchema.safeParse(parseJson(body));
  if (!result.success) return firstIssue(result.error);
  const request = result.data;
  return {
    id: request.id,
    date: toDate(request.date),
    type: request.type,
    status: request.status,
    processedDate: request.date_processed ? toDate(request.date_processed) : null,
    requester: toUser(request.requester),
    processor: toUser(request.processor),
    orderId: request.order?.id ?? null,
    comments: textOrNull(request.comments),
    processorComment: textOrNull(request.processor_comment),
  };
}

/** Reads an order's requests, or returns the reason the body is not an order. */
export function parseOrderRequests(body: string): OrderRequestSummary[] | string {
  const result = orderSchema.safeParse(parseJson(body));
  if (!result.success) return firstIssue(result.error);
  return result.data.requests.map((request) => ({
    id: request.id,
    date: toDate(request.date),
    type: request.type,
    status: request.status,
    comments: textOrNull(request.comments),
  }));
}
