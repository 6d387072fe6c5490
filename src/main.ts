import { URL } from "node:url";
import { ConfigError, loadConfig, type Config } from "./config/config.js";
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
const server = await createServer(config, logger);
await server.app.listen({ port: config.port, host: config.host });
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
