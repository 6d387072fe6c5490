import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import DataLoader from "dataloader";
import { HTTPError, type Got, type Request } from "got";
import type { Logger } from "pino";
import { ErrorCode } from "../errors/codes.js";
import type { GatewayError } from "../errors/gateway-error.js";
import { keyFingerprint, type GatewayMetrics } from "../metrics.js";
import type { ApiKey } from "./api-key.js";
import {
  errorFromOversizedResponse,
  errorFromResponse,
  errorFromTransport,
  errorFromUnreadableRead,
  errorFromUnreadableRequest,
  UpstreamFault,
  type UpstreamCall,
} from "./failures.js";
import { parseErrorBody } from "./error-body.js";
import { parseOrderRequests, parseRequestDetails, type OrderRequestSummary, type RequestDetails } from "./reads.js";
import { parseRevocationRequest, toRequestBody, type RevokeOrderInput, type RevokeOrderResult } from "./revoke-order.js";

/**
 * Maximum size of a revoke response, in bytes. A revocation request object is well under 2 KB
 * and an error body smaller still, so anything larger is not DigiCert's response.
 */
export const MAX_REVOKE_RESPONSE_BYTES = 64 * 1024;

interface RawAnswer {
  statusCode: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One DigiCert call as the operation log line reports it. */
export interface UpstreamCallRecord {
  endpoint: string;
  orderId: string;
  /** HTTP status, or undefined when no response arrived. */
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

/** Endpoint labels in metrics and logs. */
const REVOKE_ENDPOINT = "PUT /order/certificate/{order_id}/revoke";
const REQUEST_ENDPOINT = "GET /request/{request_id}";
const ORDER_ENDPOINT = "GET /order/certificate/{order_id}";

/** Maximum size of a read response, in bytes: an order with a long request history stays far below it. */
export const MAX_READ_RESPONSE_BYTES = 1024 * 1024;

/**
 * Retry policy of reads: a GET changes nothing, so got retries it twice on network
 * errors, 429 and 5xx, 500 ms apart (or after Retry-After, when that is at most 2 s).
 */
const READ_RETRY = {
  limit: 2,
  methods: ["GET" as const],
  statusCodes: [429, 500, 502, 503, 504],
  errorCodes: ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"],
  backoffLimit: 500,
  maxRetryAfter: 2000,
  noise: 0,
};

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

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
      endpoint: REVOKE_ENDPOINT,
      mutating: true,
      orderId,
      key: this.key,
      skipApproval: input.skipApproval === true,
      timeoutMs: this.timeoutMs,
    };
    const started = performance.now();
    this.metrics?.revocationsInFlight.inc();
    let answer: RawAnswer;
    try {
      answer = await this.sendRevoke(`order/certificate/${orderId}/revoke`, JSON.stringify(toRequestBody(input)), call, started);
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

  /**
   * Reads a request of the approval workflow: `GET /request/{requestId}`. Resolves with
   * null when DigiCert has no such request for this key. Through `requestLoader`, each
   * id is read at most once per GraphQL request.
   */
  async getRequest(requestId: string): Promise<RequestDetails | null> {
    const call = this.readCall(`read request ${requestId}`, REQUEST_ENDPOINT, "");
    const started = performance.now();
    const answer = await this.sendRead(`request/${requestId}`, call, started);

    if (answer.statusCode === 404 && parseErrorBody(answer.body).some((entry) => entry.code.startsWith("not_found|request"))) {
      this.record(call, started, answer.statusCode, ["not_found|request"]);
      return null;
    }
    if (answer.statusCode !== 200) {
      throw this.failed(errorFromResponse(answer.statusCode, answer.headers, answer.body, call), call, started, answer.statusCode);
    }
    const details = parseRequestDetails(answer.body);
    if (typeof details === "string") throw this.failed(errorFromUnreadableRead(call, details), call, started, answer.statusCode);
    this.record(call, started, answer.statusCode, []);
    return details;
  }

  /**
   * Reads the requests of an order: `GET /order/certificate/{orderId}`, `requests[]`.
   * Rejects with ORDER_NOT_FOUND when the key's account has no such order.
   */
  async getOrderRequests(orderId: string): Promise<OrderRequestSummary[]> {
    const call = this.readCall(`read order ${orderId}`, ORDER_ENDPOINT, orderId);
    const started = performance.now();
    const answer = await this.sendRead(`order/certificate/${orderId}`, call, started);

    if (answer.statusCode !== 200) {
      throw this.failed(errorFromResponse(answer.statusCode, answer.headers, answer.body, call), call, started, answer.statusCode);
    }
    const requests = parseOrderRequests(answer.body);
    if (typeof requests === "string") throw this.failed(errorFromUnreadableRead(call, requests), call, started, answer.statusCode);
    this.record(call, started, answer.statusCode, []);
    return requests;
  }

  /**
   * Per-request loaders: duplicates within one GraphQL request (an `_entities` call
   * with the same id twice, say) cost one DigiCert call. DigiCert has no batch read, so
   * a batch is read one id at a time, concurrently. A failed id rejects only its own load.
   * They are built on first use, so a request that only revokes allocates none.
   */
  get requestLoader(): DataLoader<string, RequestDetails | null> {
    this.#requestLoader ??= new DataLoader((ids) => Promise.all(ids.map((id) => this.getRequest(id).catch(toError))));
    return this.#requestLoader;
  }

  get orderRequestsLoader(): DataLoader<string, OrderRequestSummary[]> {
    this.#orderRequestsLoader ??= new DataLoader((ids) => Promise.all(ids.map((id) => this.getOrderRequests(id).catch(toError))));
    return this.#orderRequestsLoader;
  }

  #requestLoader: DataLoader<string, RequestDetails | null> | undefined;
  #orderRequestsLoader: DataLoader<string, OrderRequestSummary[]> | undefined;

  private readCall(action: string, endpoint: string, orderId: string): UpstreamCall {
    return { action, endpoint, mutating: false, orderId, key: this.key, skipApproval: false, timeoutMs: this.timeoutMs };
  }

  /**
   * Sends the revoke PUT with the caller's key and reads the response up to
   * MAX_REVOKE_RESPONSE_BYTES. The got instance allows one retry, after a refused
   * connection, so the request reaches DigiCert at most once.
   *
   * It uses got's stream API, because got 14's promise API buffers the body through an
   * async iterator and wraps the request in a cancelable promise: on the zero-latency
   * load of bench/run.mjs a proxy that calls got through streams served about 30% more
   * requests per second than through promises. A stream retries only through its `retry`
   * event, which hands over the new stream to watch.
   */
  private sendRevoke(path: string, body: string, call: UpstreamCall, started: number): Promise<RawAnswer> {
    const options = {
      method: "PUT" as const,
      body,
      headers: { "content-type": "application/json", "x-dc-devkey": this.key.reveal() },
      context: { logger: this.logger },
    };
    return new Promise<RawAnswer>((resolve, reject) => {
      let settled = false;
      const fail = (error: () => GatewayError): void => {
        if (settled) return;
        settled = true;
        reject(error());
      };
      const failInTransport = (error: Error): void => fail(() => this.failed(errorFromTransport(error, call), call, started, undefined));
      const watch = (stream: Request): void => {
        let response: IncomingMessage | undefined;
        const chunks: Buffer[] = [];
        let received = 0;
        const stopOversized = (): void => {
          stream.destroy();
          fail(() => this.failed(errorFromOversizedResponse(call, MAX_REVOKE_RESPONSE_BYTES), call, started, undefined));
        };

        stream.on("response", (answer: IncomingMessage) => {
          response = answer;
          if (Number(answer.headers["content-length"]) > MAX_REVOKE_RESPONSE_BYTES) stopOversized();
        });
        stream.on("data", (chunk: Buffer) => {
          received += chunk.length;
          if (received > MAX_REVOKE_RESPONSE_BYTES) stopOversized();
          else chunks.push(chunk);
        });
        stream.on("end", () => {
          if (settled) return;
          if (response === undefined) {
            failInTransport(new Error("got ended the response stream before any response"));
            return;
          }
          settled = true;
          resolve({ statusCode: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString("utf8") });
        });
        stream.on("error", failInTransport);
        let retried = false;
        stream.once("retry", (_retryCount: number, _error: Error, createRetryStream: () => Request) => {
          retried = true;
          watch(createRetryStream());
        });
        // got 14 closes a stream without an error only to retry it. Any other silent close
        // would leave the caller waiting, so it counts as a failed call with an unknown outcome.
        stream.on("close", () => {
          if (!retried) failInTransport(new Error("got closed the response stream before its end"));
        });
      };
      watch(this.http.stream(path, options));
    });
  }

  /**
   * Sends a read with the caller's key and reads the response up to
   * MAX_READ_RESPONSE_BYTES. got retries it on network errors, 429 and 5xx (READ_RETRY),
   * since reading twice changes nothing. Reads use the promise API because a stream that
   * fails with an HTTP error status has its error body read by got without a size limit.
   */
  private async sendRead(path: string, call: UpstreamCall, started: number): Promise<RawAnswer> {
    let oversized = false;
    const headers = { "x-dc-devkey": this.key.reveal() };
    const context = { logger: this.logger };
    const pending = this.http.get(path, { headers, context, retry: READ_RETRY, throwHttpErrors: true });
    // got has no response size limit: stop reading once the declared or received
    // size passes the cap.
    pending.on("downloadProgress", (progress: { transferred: number; total?: number }) => {
      const size = Math.max(progress.transferred, progress.total ?? 0);
      if (size > MAX_READ_RESPONSE_BYTES && !oversized) {
        oversized = true;
        pending.cancel();
      }
    });

    try {
      const response = await pending;
      return { statusCode: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      if (oversized) {
        throw this.failed(errorFromOversizedResponse(call, MAX_READ_RESPONSE_BYTES), call, started, undefined);
      }
      // Reads throw on HTTP errors so that got can retry them; the last response is mapped here.
      if (error instanceof HTTPError) {
        const response = error.response as { statusCode: number; headers: IncomingHttpHeaders; body: unknown };
        return { statusCode: response.statusCode, headers: response.headers, body: String(response.body ?? "") };
      }
      throw this.failed(errorFromTransport(error, call), call, started, undefined);
    }
  }

  /** Adds a finished call to `calls` and to the latency histogram. */
  private record(call: UpstreamCall, started: number, status: number | undefined, digicertCodes: string[], statusLabel = String(status)): void {
    const durationMs = performance.now() - started;
    this.calls.push({ endpoint: call.endpoint, orderId: call.orderId, status, digicertCodes, durationMs: Math.round(durationMs) });
    this.metrics?.upstreamDuration.observe({ endpoint: call.endpoint, status: statusLabel }, durationMs / 1000);
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
