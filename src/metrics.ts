import { createHash } from "node:crypto";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { ApiKey } from "./digicert/api-key.js";

/** Prometheus metrics of one server instance, in a registry of its own. */
export class GatewayMetrics {
  readonly registry = new Registry();

  readonly operations = new Counter({
    name: "revocation_gateway_graphql_operations_total",
    help: "GraphQL operations handled, by operation name and outcome (OK or the first error code).",
    labelNames: ["operation", "outcome"] as const,
    registers: [this.registry],
  });

  readonly upstreamDuration = new Histogram({
    name: "revocation_gateway_digicert_request_duration_seconds",
    help: "Duration of DigiCert calls, by endpoint and HTTP status (or the transport error code when there was no response).",
    labelNames: ["endpoint", "status"] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30],
    registers: [this.registry],
  });

  readonly revocationsInFlight = new Gauge({
    name: "revocation_gateway_revocations_in_flight",
    help: "Revocations sent to DigiCert and still waiting for a response.",
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: "revocation_gateway_digicert_rate_limited_total",
    help: "DigiCert 429 responses, by key fingerprint (the first 12 hex digits of the key's SHA-256, never the key).",
    labelNames: ["key_fingerprint"] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }
}

/** Returns a short, one-way fingerprint of a key, safe to use as a metric label. */
export function keyFingerprint(key: ApiKey): string {
  return createHash("sha256").update(key.reveal()).digest("hex").slice(0, 12);
}
