// The bare proxy of bare-proxy.mjs with one change: the upstream PUT goes through the
// service's own got instance (createDigicertHttp from the built service) instead of
// node:http. It parses no GraphQL and no JSON, so its throughput is the most a server
// that keeps got for the DigiCert call can reach on this machine, whatever it does with
// GraphQL. Each call passes only what every revocation must: the path, the caller's key
// and an already serialized body. It uses got's stream API, which costs less CPU per
// call than the promise API (bench/RESULTS.md has both measured).
//
// Environment: PORT (required), UPSTREAM_URL (required, loopback http:// only),
// SERVICE_ROOT (required: the folder with the service's dist/ and node_modules/).
import { proxySettings, sendError, serve } from "./proxy-support.mjs";
import { importFromBuild, serviceRootFromEnvironment } from "./service-build.mjs";

const { port, upstream } = proxySettings();
const { createDigicertHttp } = await importFromBuild(serviceRootFromEnvironment(), "digicert/http.js");
const digicert = createDigicertHttp({ digicertApiUrl: upstream.href, digicertTimeoutMs: 20_000 });

const REVOKE_BODY = JSON.stringify({ revocation_reason: "keyCompromise", comments: "Key leaked in a public repository" });

serve(port, (request, response) => {
  request.resume();
  request.on("end", () => {
    const stream = digicert.stream.put("order/certificate/1001/revoke", {
      body: REVOKE_BODY,
      headers: { "content-type": "application/json", "x-dc-devkey": request.headers["x-dc-devkey"] ?? "" },
    });
    let status = 0;
    const chunks = [];
    stream.on("response", (answer) => {
      status = answer.statusCode;
    });
    stream.on("data", (chunk) => chunks.push(chunk));
    stream.on("end", () => {
      response.writeHead(status === 204 ? 204 : 200, { "content-type": "application/json" });
      response.end(Buffer.concat(chunks));
    });
    stream.on("error", (error) => sendError(response, 502, `Upstream call failed: ${error.code ?? error.message}`));
  });
});
