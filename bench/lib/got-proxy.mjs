// The bare proxy of bare-proxy.mjs with one change: the upstream PUT goes through the
// service's own got instance (createDigicertHttp from the built service) instead of
// node:http. It parses no GraphQL and no JSON, so its throughput is the most a server
// that keeps got for the DigiCert call can reach on this machine, whatever it does with
// GraphQL. Each call passes only what every revocation must: the path, the caller's key
// and an already serialized body.
//
// Environment: PORT (required), UPSTREAM_URL (required, loopback http:// only),
// SERVICE_ROOT (required: the folder with the service's dist/ and node_modules/).
import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";

const port = Number(process.env.PORT);
const upstream = new URL(process.env.UPSTREAM_URL ?? "");
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  throw new Error(`PORT must be a TCP port from 1 to 65535, got ${JSON.stringify(process.env.PORT)}`);
}
if (upstream.protocol !== "http:" || upstream.hostname !== "127.0.0.1") {
  throw new Error(`UPSTREAM_URL must be an http://127.0.0.1 URL, got ${JSON.stringify(process.env.UPSTREAM_URL)}`);
}
const serviceRoot = process.env.SERVICE_ROOT ?? "";
if (serviceRoot === "") throw new Error("SERVICE_ROOT must name the folder of the built service");

const { createDigicertHttp } = await import(pathToFileURL(path.join(serviceRoot, "dist", "digicert", "http.js")).href);
const digicert = createDigicertHttp({ digicertApiUrl: upstream.href, digicertTimeoutMs: 20_000 });

const REVOKE_BODY = JSON.stringify({ revocation_reason: "keyCompromise", comments: "Key leaked in a public repository" });
const JSON_HEADERS = { "content-type": "application/json" };

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
  request.resume();
  request.on("end", () => {
    digicert
      .put("order/certificate/1001/revoke", {
        body: REVOKE_BODY,
        headers: { ...JSON_HEADERS, "x-dc-devkey": request.headers["x-dc-devkey"] ?? "" },
      })
      .then(
        (answer) => {
          response.writeHead(answer.statusCode === 204 ? 204 : 200, { "content-type": "application/json" });
          response.end(answer.body);
        },
        (error) => fail(response, 502, `Upstream call failed: ${error.code ?? error.message}`),
      );
  });
});

server.listen(port, "127.0.0.1");
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
