import "reflect-metadata";
import { buildSubgraphSchema, type GraphQLResolverMap } from "@apollo/subgraph";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { parse, type GraphQLSchema } from "graphql";
import { buildSchema, createResolversMap } from "type-graphql";
import { RevokeOrderResolver } from "./resolvers/revoke-order.resolver.js";

/** Federation 2 version and the directives this subgraph imports from it. */
const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])`;

/**
 * Builds the executable Federation 2 subgraph schema: type-graphql builds the schema
 * from the classes, and @apollo/subgraph adds `_service` (and `_entities` once there
 * are entities) with the resolvers type-graphql generated.
 */
export async function buildGatewaySchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [RevokeOrderResolver],
    validate: false,
    // Query has no fields of its own yet; buildSubgraphSchema adds `_service` to it.
    skipCheck: true,
    emitSchemaFile: false,
  });

  return buildSubgraphSchema([
    {
      typeDefs: parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`),
      resolvers: createResolversMap(schema) as GraphQLResolverMap<unknown>,
    },
  ]);
}
