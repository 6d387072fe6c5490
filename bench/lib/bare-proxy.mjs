// The cost floor of the benchmark: a reverse proxy that does what any revokeOrder
// server must do at the least. For each request it reads the body, sends one PUT to
// the revoke endpoint over a keep-alive agent with the caller's X-DC-DEVKEY header,
// and streams DigiCert's response back. It parses no GraphQL and no JSON.
//
// Environment: PORT (required), UPSTREAM_URL (required, loopback http:// only, such as
// http://127.0.0.1:4010/services/v2). It listens on 127.0.0.1.
import http from "node:http";

const port = Number(process.env.PORT);
const upstream = new URL(process.env.UPSTREAM_URL ?? "");
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  throw new Error(`PORT must be a TCP port from 1 to 65535, got ${JSON.stringify(process.env.PORT)}`);
}
if (upstream.protocol !== "http:" || upstream.hostname !== "127.0.0.1") {
  throw new Error(`UPSTREAM_URL must be an http://127.0.0.1 URL, got ${JSON.stringify(process.env.UPSTREAM_URL)}`);
}

// Every call sends the same body, because the floor does not translate arguments.
const REVOKE_BODY = JSON.stringify({ revocation_reason: "keyCompromise", comments: "Key leaked in a public repository" });
const REVOKE_PATH = `${upstream.pathname.replace(/\/+$/, "")}/order/certificate/1001/revoke`;
const agent = new http.Agent({ keepAlive: true });

function fail(response, status, message) {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = JSON.stringify({ errors: [{ message }] });
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  response.end(body);
}

const server = http.createServer((request, response) => {
  // The body is read to the end, as a real server must before it responds, then dropped.
  request.resume();
  request.on("end", () => {
    const upstreamRequest = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: "PUT",
        path: REVOKE_PATH,
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(REVOKE_BODY),
          "x-dc-devkey": request.headers["x-dc-devkey"] ?? "",
        },
      },
      (upstreamResponse) => {
        const headers = { "content-type": "application/json" };
        if (upstreamResponse.headers["content-length"] !== undefined) {
          headers["content-length"] = upstreamResponse.headers["content-length"];
        }
        response.writeHead(upstreamResponse.statusCode === 204 ? 204 : 200, headers);
        upstreamResponse.pipe(response);
      },
    );
    upstreamRequest.on("error", (error) => fail(response, 502, `Upstream call failed: ${error.message}`));
    upstreamRequest.end(REVOKE_BODY);
  });
});

server.listen(port, "127.0.0.1");
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
