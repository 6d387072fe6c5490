// The service with no upstream call: the built service's own createServer, with its got
// instance replaced by a stand-in. The stand-in's `stream()` responds to every revoke PUT
// at once, as the fake upstream would (201 with a request body, or 204 for skip_approval).
// The server runs everything the service does per request except the got call and the
// HTTP hop behind it, so its throughput is the most this GraphQL stack can reach here
// with any upstream client. It needs a build whose DigiCert client sends the PUT with
// `stream()`, which is revision be4c4b2 and later.
//
// Environment: PORT (required), SERVICE_ROOT (required: the folder with the service's
// dist/ and node_modules/), and the service's own variables (NODE_ENV, LOG_LEVEL, ...).
import { PassThrough } from "node:stream";
import { revocationRequestBodies } from "./revocation-body.mjs";
import { importFromBuild, serviceRootFromEnvironment } from "./service-build.mjs";

const serviceRoot = serviceRootFromEnvironment();
const { loadConfig } = await importFromBuild(serviceRoot, "config/config.js");
const { createLogger } = await importFromBuild(serviceRoot, "logger.js");
const { createServer } = await importFromBuild(serviceRoot, "http/server.js");

const revocationRequestBody = revocationRequestBodies();

/** Returns a stream that responds to one revoke PUT as got's would: a 'response' event, the body, then the end. */
function respond(_path, options) {
  const stream = new PassThrough();
  const request = JSON.parse(options.body);
  const skipped = request.skip_approval === true;
  const body = skipped ? "" : revocationRequestBody(request.comments);
  process.nextTick(() => {
    stream.emit("response", { statusCode: skipped ? 204 : 201, headers: { "content-type": "application/json" } });
    stream.end(body);
  });
  return stream;
}

const config = loadConfig();
const logger = createLogger(config);
const server = await createServer(config, logger, { digicertHttp: { stream: respond } });
await server.app.listen({ port: config.port, host: config.host });
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    void server.app.close().then(() => process.exit(0));
  });
}
