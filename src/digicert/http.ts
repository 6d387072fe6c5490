import http from "node:http";
import https from "node:https";
import got, { type Got } from "got";
import type { Logger } from "pino";
import type { Config } from "../config/config.js";
import { USER_AGENT } from "../config/version.js";

/** Pause before the single retry after a refused connection, in milliseconds. */
const RETRY_DELAY_MS = 250;

/**
 * Builds the one got instance that talks to DigiCert. It owns the base URL, the
 * timeout, the retry policy and the fixed headers; nothing else in the service
 * imports got. The caller's key and logger are added per call by the DigiCert client.
 */
export function createDigicertHttp(config: Pick<Config, "digicertApiUrl" | "digicertTimeoutMs">): Got {
  return got.extend({
    prefixUrl: config.digicertApiUrl,
    // One budget for the whole call: DNS, connect, send, wait for and read the answer.
    timeout: { request: config.digicertTimeoutMs },
    // got retries PUT on many errors by default. A revocation whose response was lost may
    // already have happened, so a retry could revoke twice or file a second request.
    // The one retry allowed is after ECONNREFUSED: the TCP connection was refused, so no
    // byte of the request was sent. Status codes never trigger a retry.
    retry: {
      limit: 1,
      methods: ["PUT", "GET"],
      statusCodes: [],
      errorCodes: ["ECONNREFUSED"],
      backoffLimit: RETRY_DELAY_MS,
      noise: 0,
    },
    hooks: {
      beforeRetry: [
        (error, retryCount) => {
          const logger = (error.options.context as { logger?: Logger }).logger;
          logger?.warn({ upstream: "digicert", errorCode: error.code, retryCount }, "DigiCert refused the connection; retrying once, nothing was sent");
        },
      ],
    },
    // A redirect would resend the key to whatever host DigiCert (or an attacker) names.
    followRedirect: false,
    // Every status is mapped by this service, not thrown by got.
    throwHttpErrors: false,
    responseType: "text",
    headers: {
      "user-agent": USER_AGENT,
      accept: "application/json",
    },
    agent: {
      http: new http.Agent({ keepAlive: true }),
      https: new https.Agent({ keepAlive: true }),
    },
  });
}
