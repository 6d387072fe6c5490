import type { IncomingHttpHeaders } from "node:http";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import {
  seedOrders,
  seedUsers,
  type SimulatedOrder,
  type SimulatedRequest,
  type SimulatedUser,
} from "./seed.js";

/** Base path of the Services API v2, as on DigiCert's hosts. */
export const API_BASE_PATH = "/services/v2";

const REVOCATION_REASONS = new Set(["unspecified", "keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation"]);

/** One HTTP request as the simulator received it, for tests to assert on. */
export interface RecordedRequest {
  method: string;
  /** Path with query, as sent. */
  url: string;
  headers: IncomingHttpHeaders;
  /** Body exactly as received. */
  rawBody: string;
  /** Body parsed as JSON, or undefined when it was empty or not JSON. */
  body: unknown;
  receivedAt: Date;
}

/** A canned response or fault that replaces the next request's normal handling. */
export type ScriptedAnswer =
  | { status: number; headers?: Record<string, string>; body?: string }
  | { fault: "reset" | "hang" | "stall-body" | "endless-body" };

export interface SimulatorOptions {
  /**
   * What `skip_approval: true` with a non-administrator key returns; DigiCert does not
   * document it. "request" files a normal pending request (201), "forbidden" returns 403.
   */
  nonAdminSkipApproval?: "request" | "forbidden";
  /** Status for a missing or unknown key; DigiCert does not document whether it is 401 or 403. */
  unknownKeyStatus?: 401 | 403;
  /** Per-key limits as DigiCert documents them: 100 requests per 5 s and 1000 per 3 min. */
  rateLimits?: { limit: number; windowMs: number }[];
  /** Retry-After value sent with 429, in seconds; DigiCert documents none, so none by default. */
  retryAfterSeconds?: number;
  /** Delay before each response, in milliseconds, to play a slow DigiCert. */
  latencyMs?: number;
}

/** A running CertCentral simulator. */
export interface CertCentralSimulator {
  app: FastifyInstance;
  /** Base URL to use as DIGICERT_API_URL, e.g. http://127.0.0.1:4010/services/v2. */
  baseUrl: string;
  /** Every HTTP request received, oldest first. */
  received: RecordedRequest[];
  orders: Map<number, SimulatedOrder>;
  options: Required<SimulatorOptions>;
  /** Queues responses that replace the normal handling of the next requests, one each. */
  script(...answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

function digicertError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  return reply.code(status).type("application/json").send(JSON.stringify({ errors: [{ code, message }] }));
}

function publicUser(user: SimulatedUser): Omit<SimulatedUser, "role"> {
  const { role: _role, ...rest } = user;
  return rest;
}

/** DigiCert's timestamp format: ISO 8601 in UTC with a numeric offset, no milliseconds. */
function digicertTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

/**
 * Starts a fake of DigiCert CertCentral's revocation endpoint on 127.0.0.1, seeded with
 * users, keys and orders. It responds as the Services API v2 documents: 201 with a
 * request object or 204, and `{"errors": [{code, message}]}` bodies for failures.
 */
export async function startSimulator(port = 0, options: SimulatorOptions = {}): Promise<CertCentralSimulator> {
  const settings: Required<SimulatorOptions> = {
    nonAdminSkipApproval: options.nonAdminSkipApproval ?? "request",
    unknownKeyStatus: options.unknownKeyStatus ?? 401,
    rateLimits: options.rateLimits ?? [
      { limit: 100, windowMs: 5_000 },
      { limit: 1000, windowMs: 180_000 },
    ],
    retryAfterSeconds: options.retryAfterSeconds ?? 0,
    latencyMs: options.latencyMs ?? 0,
  };
  const users = seedUsers();
  const orders = seedOrders(users);
  const received: RecordedRequest[] = [];
  const scripted: ScriptedAnswer[] = [];
  const callsByKey = new Map<string, number[]>();
  let nextRequestId = 5001;

  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  // Bodies are kept as text so malformed JSON gets DigiCert's error, not fastify's.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));

  app.addHook("preHandler", async (request: FastifyRequest, reply: FastifyReply) => {
    const rawBody = typeof request.body === "string" ? request.body : "";
    let body: unknown;
    try {
      body = rawBody === "" ? undefined : JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    received.push({ method: request.method, url: request.url, headers: request.headers, rawBody, body, receivedAt: new Date() });

    const answer = scripted.shift();
    if (answer === undefined) return;
    if ("fault" in answer) {
      reply.hijack();
      if (answer.fault === "reset") request.raw.socket.resetAndDestroy();
      if (answer.fault === "stall-body") {
        // Status and headers go out, then the body stops after its first bytes.
        reply.raw.writeHead(201, { "content-type": "application/json", "content-length": "400" });
        reply.raw.write('{"id": 1, "date": "2016-02-10T17:06:15+00:00"');
      }
      if (answer.fault === "endless-body") {
        // A chunked 201 with no content-length that keeps sending until the client hangs up.
        reply.raw.writeHead(201, { "content-type": "application/json" });
        const chunk = `{"padding":"${"x".repeat(16 * 1024)}",`;
        const pump = (): void => {
          // Write until the socket buffer is full, then again once it drains.
          let writable = true;
          while (writable && !reply.raw.destroyed) writable = reply.raw.write(chunk);
          if (!reply.raw.destroyed) reply.raw.once("drain", pump);
        };
        pump();
      }
      // "hang" leaves the socket open and unanswered until the client gives up.
      return reply;
    }
    reply.code(answer.status).headers(answer.headers ?? {});
    return reply.send(answer.body ?? "");
  });

  // Rate limits count every request of a key, refused ones included, as DigiCert's do.
  function overLimit(key: string): boolean {
    const now = Date.now();
    const longest = Math.max(...settings.rateLimits.map((rule) => rule.windowMs));
    const calls = (callsByKey.get(key) ?? []).filter((time) => now - time < longest);
    calls.push(now);
    callsByKey.set(key, calls);
    return settings.rateLimits.some((rule) => calls.filter((time) => now - time < rule.windowMs).length > rule.limit);
  }

  /** Applies latency, the rate limit and the key check; returns the user, or undefined once it has sent an error response. */
  async function authorize(request: FastifyRequest, reply: FastifyReply): Promise<SimulatedUser | undefined> {
    if (settings.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, settings.latencyMs));
    const header = request.headers["x-dc-devkey"];
    const key = typeof header === "string" ? header : "";

    if (key !== "" && overLimit(key)) {
      if (settings.retryAfterSeconds > 0) reply.header("retry-after", String(settings.retryAfterSeconds));
      await digicertError(reply, 429, "request_limit_exceeded", "Request limit exceeded. Please try again later.");
      return undefined;
    }
    const user = users.get(key);
    if (user === undefined) {
      await digicertError(reply, settings.unknownKeyStatus, "access_denied|invalid_api_key", "Invalid API key.");
      return undefined;
    }
    return user;
  }

  function findRequest(id: number): { order: SimulatedOrder; request: SimulatedRequest } | undefined {
    for (const order of orders.values()) {
      const found = order.requests.find((candidate) => candidate.id === id);
      if (found !== undefined) return { order, request: found };
    }
    return undefined;
  }

  app.get<{ Params: { requestId: string } }>(`${API_BASE_PATH}/request/:requestId`, async (request, reply) => {
    const user = await authorize(request, reply);
    if (user === undefined) return reply;
    if (!/^\d+$/.test(request.params.requestId)) return digicertError(reply, 404, "not_found|route", "Route not found.");

    const found = findRequest(Number(request.params.requestId));
    // NOTE: DigiCert documents no error code for an unknown request id; this one is the simulator's.
    if (found === undefined) return digicertError(reply, 404, "not_found|request", "Request not found.");
    const { order, request: stored } = found;
    return reply.type("application/json").send(
      JSON.stringify({
        id: stored.id,
        date: stored.date,
        type: stored.type,
        status: stored.status,
        ...(stored.date_processed === undefined ? {} : { date_processed: stored.date_processed }),
        requester: publicUser(stored.requester),
        ...(stored.processor === undefined ? {} : { processor: publicUser(stored.processor) }),
        order: { id: order.id, certificate: { common_name: order.common_name, dns_names: [order.common_name] }, status: order.status },
        comments: stored.comments ?? "",
        ...(stored.processor_comment === undefined ? {} : { processor_comment: stored.processor_comment }),
      }),
    );
  });

  app.get<{ Params: { orderId: string } }>(`${API_BASE_PATH}/order/certificate/:orderId`, async (request, reply) => {
    const user = await authorize(request, reply);
    if (user === undefined) return reply;
    if (!/^\d+$/.test(request.params.orderId)) return digicertError(reply, 404, "not_found|route", "Route not found.");

    const order = orders.get(Number(request.params.orderId));
    if (order === undefined) return digicertError(reply, 404, "not_found|order", "Order not found.");
    return reply.type("application/json").send(
      JSON.stringify({
        id: order.id,
        certificate: { common_name: order.common_name, dns_names: [order.common_name] },
        status: order.status,
        requests: order.requests.map((stored) => ({ id: stored.id, date: stored.date, type: stored.type, status: stored.status, comments: stored.comments ?? "" })),
      }),
    );
  });

  app.put<{ Params: { orderId: string } }>(`${API_BASE_PATH}/order/certificate/:orderId/revoke`, async (request, reply) => {
    const user = await authorize(request, reply);
    if (user === undefined) return reply;
    if (!/^\d+$/.test(request.params.orderId)) {
      return digicertError(reply, 404, "not_found|route", "Route not found.");
    }

    let body: Record<string, unknown> = {};
    const rawBody = typeof request.body === "string" ? request.body : "";
    if (rawBody.trim() !== "") {
      try {
        const parsed: unknown = JSON.parse(rawBody);
        if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
        body = parsed as Record<string, unknown>;
      } catch {
        return digicertError(reply, 400, "bad_request_format", "The request body is not valid JSON.");
      }
    }

    if (user.role === "view_only") {
      return digicertError(reply, 403, "access_denied|missing_permission", "You do not have permission to perform this action.");
    }
    const order = orders.get(Number(request.params.orderId));
    if (order === undefined) {
      return digicertError(reply, 404, "not_found|order", "Order not found.");
    }

    const reason = body.revocation_reason;
    if (reason !== undefined && (typeof reason !== "string" || !REVOCATION_REASONS.has(reason))) {
      // NOTE: the code and wording of this refusal are the simulator's; DigiCert documents neither.
      return digicertError(reply, 400, "invalid_value|revocation_reason", "Invalid revocation reason.");
    }
    // NOTE: DigiCert refuses these cases but documents neither status nor code; these are the simulator's.
    if (order.status === "revoked") {
      return digicertError(reply, 400, "invalid_order_status|revoked", "The order is already revoked.");
    }
    if (order.requests.some((existing) => existing.type === "revoke" && existing.status === "pending")) {
      return digicertError(reply, 400, "duplicate_request|revoke", "The order already has a pending revocation request.");
    }

    const skipApproval = body.skip_approval === true;
    if (skipApproval && user.role === "administrator") {
      order.status = "revoked";
      return reply.code(204).send();
    }
    if (skipApproval && settings.nonAdminSkipApproval === "forbidden") {
      return digicertError(reply, 403, "access_denied|missing_permission", "You do not have permission to skip approval.");
    }

    const created: SimulatedRequest = {
      id: nextRequestId,
      date: digicertTimestamp(new Date()),
      type: "revoke",
      status: "pending",
      requester: user,
      order_id: order.id,
      ...(typeof body.comments === "string" ? { comments: body.comments } : {}),
    };
    nextRequestId += 1;
    order.requests.push(created);
    const { order_id: _orderId, ...answer } = created;
    return reply.code(201).type("application/json").send(JSON.stringify({ ...answer, requester: publicUser(user) }));
  });

  app.setNotFoundHandler((_request, reply) => digicertError(reply, 404, "not_found|route", "Route not found."));

  await app.listen({ port, host: "127.0.0.1" });
  const address = app.server.address();
  if (typeof address !== "object" || address === null) throw new Error("simulator has no TCP address");

  return {
    app,
    baseUrl: `http://127.0.0.1:${address.port}${API_BASE_PATH}`,
    received,
    orders,
    options: settings,
    script: (...answers) => scripted.push(...answers),
    close: async () => {
      // Hung sockets would keep close() waiting, so they are cut first.
      app.server.closeAllConnections();
      await app.close();
    },
  };
}
