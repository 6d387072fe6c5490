// The cost floor of the benchmark: a reverse proxy that does what any revokeOrder
// server must do at the least. For each request it reads the body, sends one PUT to
// the revoke endpoint over a keep-alive agent with the caller's X-DC-DEVKEY header,
// and streams DigiCert's response back. It parses no GraphQL and no JSON.
//
// Environment: PORT (required), UPSTREAM_URL (required, loopback http:// only, such as
// http://127.0.0.1:4010/services/v2). It listens on 127.0.0.1.
import http from "node:http";
import { proxySettings, sendError, serve } from "./proxy-support.mjs";

const { port, upstream } = proxySettings();

// Every call sends the same body, because the floor does not translate arguments.
const REVOKE_BODY = JSON.stringify({ revocation_reason: "keyCompromise", comments: "Key leaked in a public repository" });
const REVOKE_PATH = `${upstream.pathname.replace(/\/+$/, "")}/order/certificate/1001/revoke`;
const agent = new http.Agent({ keepAlive: true });

serve(port, (request, response) => {
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
    upstreamRequest.on("error", (error) => sendError(response, 502, `Upstream call failed: ${error.message}`));
    upstreamRequest.end(REVOKE_BODY);
  });
});
