// Composes the GraphQL Mesh peer: one OpenAPI subgraph in front of the fake upstream.
// run.mjs sets BENCH_UPSTREAM_URL to the fake upstream's base URL before it runs
// mesh-compose, because the URL is written into the supergraph.
import { defineConfig } from "@graphql-mesh/compose-cli";
import { loadOpenAPISubgraph } from "@omnigraph/openapi";

const endpoint = process.env.BENCH_UPSTREAM_URL;
if (!endpoint) {
  throw new Error("BENCH_UPSTREAM_URL is not set: give the fake upstream's base URL, such as http://127.0.0.1:4010/services/v2");
}

export const composeConfig = defineConfig({
  subgraphs: [
    {
      sourceHandler: loadOpenAPISubgraph("DigiCert", {
        source: "./openapi.yaml",
        endpoint,
        // The caller's key travels in the X-DC-DEVKEY request header, as with revocation-gateway.
        operationHeaders: { "X-DC-DEVKEY": "{context.headers.x-dc-devkey}" },
      }),
    },
  ],
});
