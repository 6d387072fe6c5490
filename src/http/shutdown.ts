import type { Logger } from "pino";
import type { GatewayServer } from "./server.js";

/**
 * Stops the process cleanly on SIGTERM or SIGINT: /readyz turns 503, the listener
 * closes, requests on open connections get 503 with `Connection: close`, and requests
 * already running (a revocation waiting on DigiCert above all) finish and get their responses.
 * Then `afterClose` runs and the process exits 0. If requests are still running after
 * `graceMs`, it logs that and exits 1.
 */
export function stopOnSignals(
  server: GatewayServer,
  graceMs: number,
  logger: Logger,
  afterClose: () => Promise<void> = async () => {},
): void {
  let stopping = false;

  const stop = (signal: NodeJS.Signals) => {
    // A repeated signal must not kill revocations still waiting on DigiCert.
    if (stopping) {
      logger.warn({ signal }, "Already stopping; the signal is ignored");
      return;
    }
    stopping = true;
    server.lifecycle.draining = true;
    logger.info({ signal, graceMs }, "Stopping: no new requests, waiting for in-flight requests");

    const deadline = setTimeout(() => {
      logger.error({ graceMs }, "Requests were still running when the shutdown grace period ended; exiting with code 1");
      process.exit(1);
    }, graceMs);
    deadline.unref();

    server.app
      .close()
      .then(afterClose)
      .then(
        () => {
          logger.info("revocation-gateway stopped");
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, "Stopping failed; exiting with code 1");
          process.exit(1);
        },
      );
  };

  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
