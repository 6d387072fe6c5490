import http from "node:http";
import https from "node:https";
import got, { type Got } from "got";
import type { Config } from "../config/config.js";
import { USER_AGENT } from "../config/version.js";

/**
 * Builds the one got instance that talks to DigiCert. It owns the base URL, the
 * timeout, the retry policy and the fixed headers; nothing else in the service
 * imports got. The caller's key is added per call by the endpoint functions.
 */
export function createDigicertHttp(config: Pick<Config, "digicertApiUrl" | "digicertTimeoutMs">): Got {
  return got.extend({
    prefixUrl: config.digicertApiUrl,
    // One budget for the whole call: DNS, connect, send, wait for and read the answer.
    timeout: { request: config.digicertTimeoutMs },
    // got retries PUT by default. A revocation whose answer was lost may already have
    // happened, so a retry could revoke twice or file a second request: never retry here.
    retry: { limit: 0 },
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
