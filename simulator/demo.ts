import { ConfigError, loadConfig } from "../src/config/config.js";
import { listenOrExit } from "../src/http/listen.js";
import { createServer } from "../src/http/server.js";
import { stopOnSignals } from "../src/http/shutdown.js";
import { createLogger } from "../src/logger.js";
import { startSimulator } from "./certcentral.js";
import { SEEDED_KEYS } from "./seed.js";

// Runs the gateway against the CertCentral simulator, both on this machine, so the
// service can be tried in Apollo Sandbox or with curl without a DigiCert account.
const simulatorPortText = process.env.SIMULATOR_PORT === undefined || process.env.SIMULATOR_PORT === "" ? "4010" : process.env.SIMULATOR_PORT;
if (!/^\d+$/.test(simulatorPortText) || Number(simulatorPortText) > 65535) {
  process.stderr.write(`SIMULATOR_PORT must be a whole number from 0 to 65535 (got "${simulatorPortText}").\n`);
  process.exit(1);
}
let simulator;
try {
  simulator = await startSimulator(Number(simulatorPortText));
} catch (error) {
  if ((error as { code?: unknown }).code !== "EADDRINUSE") throw error;
  process.stderr.write(`Cannot start the simulator on 127.0.0.1:${simulatorPortText}: the port is in use. Set SIMULATOR_PORT to a free port.\n`);
  process.exit(1);
}

let config;
try {
  config = loadConfig({ HOST: "127.0.0.1", ...process.env, DIGICERT_API_URL: simulator.baseUrl });
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
const logger = createLogger(config);
const server = await createServer(config, logger);
await listenOrExit(server.app, config.port, config.host);
stopOnSignals(server, config.shutdownGraceMs, logger, () => simulator.close());

const address = server.app.server.address();
const port = typeof address === "object" && address !== null ? address.port : config.port;
const host = config.host === "0.0.0.0" || config.host === "127.0.0.1" ? "localhost" : config.host;
process.stdout.write(`
revocation-gateway demo
  GraphQL (and Apollo Sandbox): http://${host}:${port}/graphql
  CertCentral simulator:        ${simulator.baseUrl}

Seeded API keys (send one in the X-DC-DEVKEY header):
  administrator  ${SEEDED_KEYS.administrator}   skipApproval revokes at once (204)
  user           ${SEEDED_KEYS.user}    files a request that awaits approval (201)
  view only      ${SEEDED_KEYS.viewOnly}  cannot revoke (403)

Seeded orders: 1001-1008 issued, 1009 already revoked, 1010 has a pending revocation request.
Press Ctrl+C to stop.

`);
