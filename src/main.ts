import { URL } from "node:url";
import { ConfigError, loadConfig, type Config } from "./config/config.js";
import { listenOrExit } from "./http/listen.js";
import { createServer } from "./http/server.js";
import { stopOnSignals } from "./http/shutdown.js";
import { createLogger } from "./logger.js";

let config: Config;
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
if (config.digicertTimeoutMs >= config.shutdownGraceMs) {
  logger.warn(
    { digicertTimeoutMs: config.digicertTimeoutMs, shutdownGraceMs: config.shutdownGraceMs },
    "DIGICERT_TIMEOUT_MS is not below SHUTDOWN_GRACE_MS: a revocation still waiting on DigiCert at shutdown may be cut off",
  );
}
const server = await createServer(config, logger);
await listenOrExit(server.app, config.port, config.host);
stopOnSignals(server, config.shutdownGraceMs, logger);

const address = server.app.server.address();
logger.info(
  {
    port: typeof address === "object" && address !== null ? address.port : config.port,
    host: config.host,
    upstreamHost: new URL(config.digicertApiUrl).host,
    production: config.production,
  },
  "revocation-gateway started",
);
