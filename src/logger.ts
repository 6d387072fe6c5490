import { pino, type Logger } from "pino";
import type { Config } from "./config/config.js";
import { SERVICE_NAME, SERVICE_VERSION } from "./config/version.js";

/**
 * Paths pino censors wherever they appear in a log object. Keys are wrapped in ApiKey,
 * which prints "[redacted]" anyway; this also catches a raw header object that someone
 * logs by mistake.
 */
export const REDACTED_PATHS = [
  'req.headers["x-dc-devkey"]',
  'headers["x-dc-devkey"]',
  '*.headers["x-dc-devkey"]',
  'request.headers["x-dc-devkey"]',
];

/** Builds the service's structured JSON logger, writing to standard output. */
export function createLogger(config: Pick<Config, "logLevel">, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: SERVICE_NAME, version: SERVICE_VERSION },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    },
    destination,
  );
}
