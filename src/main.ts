import { URL } from "node:url";
import { ConfigError, loadConfig } from "./config/config.js";
import { createServer } from "./http/server.js";
import { createLogger } from "./logger.js";

let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

const logger = createLogger(config);
const app = await createServer(config, logger);
await app.listen({ port: config.port, host: config.host });
const address = app.server.address();
logger.info(
  {
    port: typeof address === "object" && address !== null ? address.port : config.port,
    host: config.host,
    upstreamHost: new URL(config.digicertApiUrl).host,
    production: config.production,
  },
  "revocation-gateway started",
);

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "Stopping: finishing in-flight requests");
    app.close().then(
      () => {
        logger.info("revocation-gateway stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "Error while stopping");
        process.exit(1);
      },
    );
  });
}
