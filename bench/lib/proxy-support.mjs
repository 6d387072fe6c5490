// Code shared by the two proxies of the benchmark, bare-proxy.mjs and got-proxy.mjs: the
// settings from the environment, the error response, and serving until a signal.
import http from "node:http";

/** Reads PORT and UPSTREAM_URL, both required; the upstream must be loopback http://. */
export function proxySettings() {
  const port = Number(process.env.PORT);
  const upstream = new URL(process.env.UPSTREAM_URL ?? "");
  if (!Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`PORT must be a TCP port from 1 to 65535, got ${JSON.stringify(process.env.PORT)}`);
  }
  if (upstream.protocol !== "http:" || upstream.hostname !== "127.0.0.1") {
    throw new Error(`UPSTREAM_URL must be an http://127.0.0.1 URL, got ${JSON.stringify(process.env.UPSTREAM_URL)}`);
  }
  return { port, upstream };
}

/** Sends a GraphQL-style error body, or cuts the connection when the headers are already out. */
export function sendError(response, status, message) {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = JSON.stringify({ errors: [{ message }] });
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  response.end(body);
}

/** Serves `handler` on 127.0.0.1:port and exits cleanly on SIGTERM or SIGINT. */
export function serve(port, handler) {
  const server = http.createServer(handler);
  server.listen(port, "127.0.0.1");
  for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => {
      server.closeAllConnections();
      server.close(() => process.exit(0));
    });
  }
  return server;
}
