import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** Header that carries the request id in both directions. */
export const REQUEST_ID_HEADER = "x-request-id";

// A caller's id is reused only when it is short and plain, so it cannot forge log lines.
const ACCEPTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// W3C traceparent: version-traceid-parentid-flags; the trace id ties our logs to the trace.
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * Picks the id for a request: the caller's X-Request-Id when acceptable, else the trace
 * id of a W3C traceparent header, else a new UUID.
 */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers[REQUEST_ID_HEADER];
  if (typeof given === "string" && ACCEPTED_REQUEST_ID.test(given)) return given;

  const traceparent = request.headers.traceparent;
  const trace = typeof traceparent === "string" ? TRACEPARENT.exec(traceparent.trim()) : null;
  if (trace?.[1] !== undefined && !/^0+$/.test(trace[1])) return trace[1];

  return randomUUID();
}
