// Fake of DigiCert's `PUT /services/v2/order/certificate/{order_id}/revoke`, kept as
// cheap as node:http allows. The report's harness check measures its ceiling.
//
// Run it as a child process with an IPC channel (child_process.fork). It listens on
// 127.0.0.1 on an ephemeral port and sends `{ type: "listening", port }` to the parent.
// The parent controls it with these messages:
//   { type: "set-latency", latencyMs }  sets the delay before every response, in
//                                       milliseconds, and replies { type: "latency-set" }
//   { type: "stats" }                   replies { type: "stats", latencyMs, ...counters }
//   { type: "reset" }                   zeroes the counters and replies { type: "reset" }
// Connections are counted on the server's 'connection' event, so the count is the
// number of TCP connections accepted, whichever client opened them.
import http from "node:http";
import { revocationRequestBodies } from "./revocation-body.mjs";

const BASE_PATH = "/services/v2";
const REVOKE_PATH = /^\/services\/v2\/order\/certificate\/([1-9][0-9]*)\/revoke$/;
const REVOCATION_REASONS = new Set(["unspecified", "keyCompromise", "affiliationChanged", "superseded", "cessationOfOperation"]);

// Revoke request bodies are a few hundred bytes, so anything larger is a broken client.
const MAX_BODY_BYTES = 16 * 1024;

let latencyMs = 0;
const counters = newCounters();

function newCounters() {
  return {
    connections: 0,
    openConnections: 0,
    maxOpenConnections: 0,
    // Connections closed during the counted period: the client sent FIN first, or the
    // server closed it (Node's keep-alive timeout, 5 s idle by default).
    closedByClient: 0,
    closedByServer: 0,
    requests: 0,
    inFlight: 0,
    maxInFlight: 0,
    created: 0,
    revoked: 0,
    rejected: 0,
  };
}

const revocationRequestBody = revocationRequestBodies();

function sendError(response, status, code, message) {
  counters.rejected += 1;
  const body = JSON.stringify({ errors: [{ code, message }] });
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  response.end(body);
}

/** Validates one revoke request and responds as DigiCert would: 201, 204 or an error body. */
function respond(request, response, rawBody) {
  const match = REVOKE_PATH.exec(request.url ?? "");
  if (request.method !== "PUT" || match === null) {
    return sendError(response, 404, "not_found|route", `No route for ${request.method} ${request.url}. The revoke route is PUT ${BASE_PATH}/order/certificate/{order_id}/revoke.`);
  }
  const key = request.headers["x-dc-devkey"];
  if (typeof key !== "string" || key.trim() === "") {
    return sendError(response, 401, "access_denied|invalid_api_key", "The X-DC-DEVKEY header is missing.");
  }

  let body = {};
  if (rawBody.length > 0) {
    try {
      body = JSON.parse(rawBody);
    } catch {
      return sendError(response, 400, "bad_request_format", "The request body is not valid JSON.");
    }
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return sendError(response, 400, "bad_request_format", "The request body is not a JSON object.");
  }
  if (body.revocation_reason !== undefined && !REVOCATION_REASONS.has(body.revocation_reason)) {
    return sendError(response, 400, "invalid_value|revocation_reason", `Invalid revocation reason ${JSON.stringify(body.revocation_reason)}.`);
  }

  if (body.skip_approval === true) {
    counters.revoked += 1;
    response.writeHead(204);
    response.end();
    return;
  }
  counters.created += 1;
  const created = revocationRequestBody(body.comments);
  response.writeHead(201, { "content-type": "application/json", "content-length": Buffer.byteLength(created) });
  response.end(created);
}

const server = http.createServer((request, response) => {
  counters.requests += 1;
  counters.inFlight += 1;
  counters.maxInFlight = Math.max(counters.maxInFlight, counters.inFlight);
  response.on("close", () => {
    counters.inFlight -= 1;
  });
  const chunks = [];
  let size = 0;
  request.on("data", (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  request.on("end", () => {
    if (size > MAX_BODY_BYTES) {
      sendError(response, 413, "request_too_large", `The request body is ${size} bytes, but the fake accepts at most ${MAX_BODY_BYTES}.`);
      return;
    }
    const rawBody = Buffer.concat(chunks).toString("utf8");
    const delay = latencyMs;
    if (delay === 0) {
      respond(request, response, rawBody);
    } else {
      setTimeout(respond, delay, request, response, rawBody);
    }
  });
});

// Node's default keep-alive timeout of 5 s is kept: idle sockets between runs close,
// and a client whose pool outlives them has to open new connections, as with a real server.
server.on("connection", (socket) => {
  counters.connections += 1;
  counters.openConnections += 1;
  counters.maxOpenConnections = Math.max(counters.maxOpenConnections, counters.openConnections);
  let clientEnded = false;
  socket.on("end", () => {
    clientEnded = true;
  });
  socket.on("close", () => {
    counters.openConnections -= 1;
    if (clientEnded) {
      counters.closedByClient += 1;
    } else {
      counters.closedByServer += 1;
    }
  });
});

process.on("message", (message) => {
  switch (message?.type) {
    case "set-latency":
      latencyMs = message.latencyMs;
      process.send({ type: "latency-set", latencyMs });
      break;
    case "stats":
      process.send({ type: "stats", latencyMs, ...counters });
      break;
    case "reset": {
      // Open connections and requests still in flight carry over, so the maxima stay true.
      const { openConnections, inFlight } = counters;
      Object.assign(counters, newCounters(), { openConnections, maxOpenConnections: openConnections, inFlight, maxInFlight: inFlight });
      process.send({ type: "reset" });
      break;
    }
    default:
      process.send({ type: "error", message: `Unknown control message ${JSON.stringify(message)}` });
  }
});

process.on("disconnect", () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});

server.listen(0, "127.0.0.1", () => {
  process.send({ type: "listening", port: server.address().port });
});
