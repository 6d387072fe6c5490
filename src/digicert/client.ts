import type { Got } from "got";
import type { Logger } from "pino";
import { ErrorCode } from "../errors/codes.js";
import type { GatewayError } from "../errors/gateway-error.js";
import { keyFingerprint, type GatewayMetrics } from "../metrics.js";
import type { ApiKey } from "./api-key.js";
import {
  errorFromOversizedResponse,
  errorFromResponse,
  errorFromTransport,
  errorFromUnreadableRequest,
  UpstreamFault,
  type UpstreamCall,
} from "./failures.js";
import { parseRevocationRequest, toRequestBody, type RevokeOrderInput, type RevokeOrderResult } from "./revoke-order.js";

/**
 * Largest revoke answer read, in bytes. A revocation request object is well under 2 KB
 * and an error body smaller still, so anything larger is not DigiCert's answer.
 */
export const MAX_REVOKE_RESPONSE_BYTES = 64 * 1024;

interface RawAnswer {
  statusCode: number;
  headers: import("node:http").IncomingHttpHeaders;
  body: string;
}

/** One DigiCert call as the operation log line reports it. */
export interface UpstreamCallRecord {
  endpoint: string;
  orderId: string;
  /** HTTP status, or undefined when no answer arrived. */
  status: number | undefined;
  digicertCodes: string[];
  durationMs: number;
}

export interface DigicertClientOptions {
  /** The shared got instance from createDigicertHttp. */
  http: Got;
  /** The caller's key; only this client's calls use it. */
  key: ApiKey;
  /** The request's logger, which carries its request id. */
  logger: Logger;
  /** DIGICERT_TIMEOUT_MS, for messages. */
  timeoutMs: number;
  metrics?: GatewayMetrics;
}

/** Endpoint label of the revoke call in metrics and logs. */
const REVOKE_ENDPOINT = "PUT /order/certificate/{order_id}/revoke";

/**
 * DigiCert Services API calls for one caller. It is created per GraphQL request with
 * that caller's key, so a key is never used for anybody else's calls. The got instance
 * behind it is shared and carries no key.
 */
export class DigicertClient {
  /** Every call this client made, for the operation's log line. */
  readonly calls: UpstreamCallRecord[] = [];

  private readonly http: Got;
  private readonly key: ApiKey;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private readonly metrics: GatewayMetrics | undefined;

  constructor(options: DigicertClientOptions) {
    this.http = options.http;
    this.key = options.key;
    this.logger = options.logger;
    this.timeoutMs = options.timeoutMs;
    this.metrics = options.metrics;
  }

  /**
   * Revokes every certificate of an order: `PUT /order/certificate/{orderId}/revoke`.
   * Sends the request exactly once. Resolves with what DigiCert did (201: a request
   * awaits approval; 204: revoked at once) and rejects with a GatewayError otherwise.
   * `orderId` must already be validated as a positive decimal integer.
   */
  async revokeOrder(orderId: string, input: RevokeOrderInput): Promise<RevokeOrderResult> {
    const call: UpstreamCall = {
      action: `revoke order ${orderId}`,
      orderId,
      key: this.key,
      skipApproval: input.skipApproval === true,
      timeoutMs: this.timeoutMs,
    };
    const started = performance.now();
    this.metrics?.revocationsInFlight.inc();
    let answer: RawAnswer;
    try {
      answer = await this.send(`order/certificate/${orderId}/revoke`, toRequestBody(input), call, started);
    } finally {
      this.metrics?.revocationsInFlight.dec();
    }

    if (answer.statusCode === 204) {
      this.record(call, started, answer.statusCode, []);
      return { kind: "revoked", confirmationReceivedAt: new Date() };
    }
    if (answer.statusCode === 201) {
      const request = parseRevocationRequest(answer.body);
      if (typeof request !== "string") {
        this.record(call, started, answer.statusCode, []);
        return { kind: "request-created", request };
      }
      throw this.failed(errorFromUnreadableRequest(call, request), call, started, answer.statusCode);
    }
    throw this.failed(errorFromResponse(answer.statusCode, answer.headers, answer.body, call), call, started, answer.statusCode);
  }

  /** Sends one PUT with the caller's key and reads the answer up to the size cap. */
  private async send(path: string, json: object, call: UpstreamCall, started: number): Promise<RawAnswer> {
    let oversized = false;
    const pending = this.http.put(path, {
      json,
      headers: { "x-dc-devkey": this.key.reveal() },
      context: { logger: this.logger },
    });
    // got has no response size limit: stop reading once the declared or received
    // size passes the cap.
    pending.on("downloadProgress", (progress: { transferred: number; total?: number }) => {
      const size = Math.max(progress.transferred, progress.total ?? 0);
      if (size > MAX_REVOKE_RESPONSE_BYTES && !oversized) {
        oversized = true;
        pending.cancel();
      }
    });

    try {
      const response = await pending;
      return { statusCode: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      if (oversized) {
        throw this.failed(errorFromOversizedResponse(call, MAX_REVOKE_RESPONSE_BYTES), call, started, undefined);
      }
      throw this.failed(errorFromTransport(error, call), call, started, undefined);
    }
  }

  /** Adds a finished call to `calls` and to the latency histogram. */
  private record(call: UpstreamCall, started: number, status: number | undefined, digicertCodes: string[], statusLabel = String(status)): void {
    const durationMs = performance.now() - started;
    this.calls.push({ endpoint: REVOKE_ENDPOINT, orderId: call.orderId, status, digicertCodes, durationMs: Math.round(durationMs) });
    this.metrics?.upstreamDuration.observe({ endpoint: REVOKE_ENDPOINT, status: statusLabel }, durationMs / 1000);
  }

  /** Logs an upstream failure once, at the boundary, and returns the error to throw. */
  private failed(error: GatewayError, call: UpstreamCall, started: number, status: number | undefined): GatewayError {
    const digicert = error.extensions.digicert as { errors?: { code: string }[] } | undefined;
    const digicertCodes = digicert?.errors?.map((entry) => entry.code) ?? [];
    const transportCode = error.cause instanceof UpstreamFault ? error.cause.code : undefined;
    this.record(call, started, status, digicertCodes, status === undefined ? (transportCode ?? "none") : String(status));
    if (status === 429) this.metrics?.rateLimited.inc({ key_fingerprint: keyFingerprint(this.key) });

    const record = {
      upstream: "digicert",
      action: call.action,
      orderId: call.orderId,
      upstreamStatus: status,
      digicertCodes,
      code: error.code,
      revocationOutcome: error.revocationOutcome,
      durationMs: Math.round(performance.now() - started),
      cause: error.cause instanceof Error ? error.cause.message : undefined,
    };
    // An unknown route or a redirect means DIGICERT_API_URL points at the wrong place.
    const misconfigured =
      status !== undefined && ((status === 404 && error.code !== ErrorCode.ORDER_NOT_FOUND) || (status >= 300 && status < 400));
    if (misconfigured) {
      this.logger.error(record, "DigiCert call failed: check DIGICERT_API_URL, the endpoint is unknown there");
    } else {
      this.logger.warn(record, "DigiCert call failed");
    }
    return error;
  }
}
