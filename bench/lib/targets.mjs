// The servers measured, each in front of the same fake upstream, with the
// request a client sends to each and the check that its response is a real revocation.
import path from "node:path";
import { fileURLToPath } from "node:url";

const BENCH_DIR = path.resolve(fileURLToPath(new URL("..", import.meta.url)));

/** X-DC-DEVKEY sent by the load generator. The fake upstream accepts any non-blank key. */
export const BENCH_API_KEY = "bench-key-0000";
const ORDER_ID = "1001";
const COMMENT = "Key leaked in a public repository";

// The service's operation, reading every field of either result, as in operations/revoke-order.graphql.
const SERVICE_DOCUMENT = `mutation RevokeOrder($orderId: ID!, $reason: RevocationReason, $comment: String, $skipApproval: Boolean) {
  revokeOrder(orderId: $orderId, reason: $reason, comment: $comment, skipApproval: $skipApproval) {
    __typename
    ... on RevokeRequest { id date status comments orderId requester { id firstName lastName email } }
    ... on RevokedImmediately { orderId reason confirmationReceivedAt }
  }
}`;

// The same request in the schema that GraphQL Mesh derives from mesh/openapi.yaml.
const PEER_DOCUMENT = `mutation RevokeOrder($orderId: BigInt!, $input: RevokeOrderRequest_Input) {
  revokeOrder(order_id: $orderId, input: $input) {
    __typename
    ... on RevocationRequest { id date status comments requester { id first_name last_name email } }
    ... on Void_container { Void }
    ... on Errors { errors { code message } }
  }
}`;

function serviceBody(skipApproval) {
  return JSON.stringify({
    operationName: "RevokeOrder",
    query: SERVICE_DOCUMENT,
    variables: { orderId: ORDER_ID, reason: "KEY_COMPROMISE", comment: COMMENT, skipApproval },
  });
}

function peerBody(skipApproval) {
  return JSON.stringify({
    operationName: "RevokeOrder",
    query: PEER_DOCUMENT,
    variables: { orderId: ORDER_ID, input: { revocation_reason: "keyCompromise", comments: COMMENT, skip_approval: skipApproval } },
  });
}

/** Returns a body check that needs every marker and rejects any GraphQL error. */
function expectMarkers(...markers) {
  return (body) => markers.every((marker) => body.includes(marker)) && !body.includes('"errors"');
}

/** Returns the check of the service's revokeOrder result for a 204 (skipApproval) or a 201. */
function verifyServiceResult(skipApproval) {
  return skipApproval
    ? expectMarkers('"__typename":"RevokedImmediately"', '"confirmationReceivedAt"')
    : expectMarkers('"__typename":"RevokeRequest"', '"status":"PENDING"', '"email":"ada.admin@example.com"');
}

/**
 * Builds the target definitions.
 * serviceRoot: folder with the service's built dist/main.js and its node_modules.
 * supergraphPath: the Mesh supergraph composed for this upstream.
 * logLevel: LOG_LEVEL of the service.
 * serviceNodeOptions: node flags given to the service, the got proxy and the GraphQL floor.
 */
export function defineTargets({ serviceRoot, supergraphPath, logLevel, serviceNodeOptions = [] }) {
  const common = (port) => ({
    ...process.env,
    NODE_ENV: "production",
    PORT: String(port),
    HOST: "127.0.0.1",
  });

  return {
    limit: {
      name: "limit",
      label: "bare proxy (limit)",
      path: "/graphql",
      spawn: ({ port, upstreamUrl, nodeOptions = [] }) => ({
        command: process.execPath,
        args: [...nodeOptions, path.join(BENCH_DIR, "lib", "bare-proxy.mjs")],
        cwd: BENCH_DIR,
        env: { ...common(port), UPSTREAM_URL: upstreamUrl },
      }),
      // The floor reads the body but forwards no arguments, so even a skipApproval
      // request files a request upstream and gets the 201 body back.
      body: serviceBody,
      verify: () => expectMarkers('"status":"pending"', '"requester"'),
    },
    // The same proxy with the service's got instance for the upstream call: the most a
    // server that keeps got can do here. It loads got from the built service and runs
    // with the service's node flags.
    "got-proxy": {
      name: "got-proxy",
      label: "bare proxy with got",
      path: "/graphql",
      spawn: ({ port, upstreamUrl, nodeOptions = [] }) => ({
        command: process.execPath,
        args: [...serviceNodeOptions, ...nodeOptions, path.join(BENCH_DIR, "lib", "got-proxy.mjs")],
        cwd: BENCH_DIR,
        env: { ...common(port), UPSTREAM_URL: upstreamUrl, SERVICE_ROOT: serviceRoot },
      }),
      body: serviceBody,
      verify: () => expectMarkers('"status":"pending"', '"requester"'),
    },
    // The service with its got instance replaced by one that responds at once: the cost
    // of the GraphQL side alone. It needs the built service, as the service does. It has
    // no upstream to wait on or connect to, so only scenario (a) measures it.
    "graphql-floor": {
      name: "graphql-floor",
      label: "service without upstream call",
      path: "/graphql",
      scenarios: ["a"],
      spawn: ({ port, upstreamUrl, nodeOptions = [] }) => ({
        command: process.execPath,
        args: [...serviceNodeOptions, ...nodeOptions, path.join(BENCH_DIR, "lib", "graphql-floor.mjs")],
        cwd: serviceRoot,
        // DIGICERT_API_URL is required by the configuration but never called.
        env: { ...common(port), DIGICERT_API_URL: upstreamUrl, LOG_LEVEL: logLevel, SERVICE_ROOT: serviceRoot },
      }),
      body: serviceBody,
      verify: verifyServiceResult,
    },
    service: {
      name: "service",
      label: "revocation-gateway",
      path: "/graphql",
      spawn: ({ port, upstreamUrl, nodeOptions = [] }) => ({
        command: process.execPath,
        args: [...serviceNodeOptions, ...nodeOptions, "dist/main.js"],
        cwd: serviceRoot,
        env: { ...common(port), DIGICERT_API_URL: upstreamUrl, LOG_LEVEL: logLevel },
      }),
      body: serviceBody,
      verify: verifyServiceResult,
    },
    peer: {
      name: "peer",
      label: "GraphQL Mesh (hive-gateway)",
      path: "/graphql",
      spawn: ({ port, nodeOptions = [] }) => ({
        command: process.execPath,
        args: [
          ...nodeOptions,
          path.join(BENCH_DIR, "node_modules", "@graphql-hive", "gateway", "dist", "bin.js"),
          "supergraph",
          supergraphPath,
          "--host",
          "127.0.0.1",
          "--port",
          String(port),
        ],
        // No gateway.config.* exists there, so hive-gateway runs on its defaults.
        cwd: path.dirname(supergraphPath),
        env: common(port),
      }),
      body: peerBody,
      verify: (skipApproval) =>
        skipApproval
          ? expectMarkers('"__typename":"Void_container"')
          : expectMarkers('"__typename":"RevocationRequest"', '"status":"pending"', '"email":"ada.admin@example.com"'),
    },
  };
}

/** Returns the probe request of a target for one of the two upstream responses (201 or, with skipApproval, 204). */
export function revokeRequest(target, skipApproval = false) {
  return {
    label: target.label,
    path: target.path,
    body: target.body(skipApproval),
    headers: { "x-dc-devkey": BENCH_API_KEY },
    verify: target.verify(skipApproval),
  };
}
