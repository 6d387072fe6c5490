import "reflect-metadata";
import { buildSubgraphSchema } from "@apollo/subgraph";
import type { GraphQLResolverMap } from "@apollo/subgraph/dist/schema-helper/resolverMap.js";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { parse, type GraphQLSchema } from "graphql";
import { buildSchema, createResolversMap } from "type-graphql";
import type { GatewayContext } from "./context.js";
import { RevokeOrderResolver } from "./resolvers/revoke-order.resolver.js";
import { loadRevokeRequest, OrderResolver, RevokeRequestResolver } from "./resolvers/revoke-request.resolver.js";
import { orderReference } from "./types/order.js";

/** Federation 2 version and the directives this subgraph imports from it. */
const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable"])`;

/**
 * Entity resolvers for `_entities`: the router sends `{ __typename, id }` references.
 * A RevokeRequest is read through the caller's per-request loader, so duplicate
 * representations cost one DigiCert call; an Order needs only its id here.
 */
function withReferenceResolvers(resolvers: GraphQLResolverMap<GatewayContext>): GraphQLResolverMap<GatewayContext> {
  // Both types are object types, so their entries are field maps.
  const fieldsOf = (typeName: string) => resolvers[typeName] as Record<string, unknown> | undefined;
  return {
    ...resolvers,
    RevokeRequest: {
      ...fieldsOf("RevokeRequest"),
      __resolveReference: (reference: { id: string }, context: GatewayContext) => loadRevokeRequest(reference.id, context),
    },
    Order: {
      ...fieldsOf("Order"),
      __resolveReference: (reference: { id: string }) => orderReference(reference.id),
    },
  } as GraphQLResolverMap<GatewayContext>;
}

/**
 * Builds the executable Federation 2 subgraph schema: type-graphql builds the schema
 * from the classes, and @apollo/subgraph adds `_service` (and `_entities` once there
 * are entities) with the resolvers type-graphql generated,
 * plus the entity reference resolvers.
 */
export async function buildGatewaySchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [RevokeOrderResolver, RevokeRequestResolver, OrderResolver],
    validate: false,
    emitSchemaFile: false,
  });

  return buildSubgraphSchema([
    {
      typeDefs: parse(`${FEDERATION_LINK}\n${printSchemaWithDirectives(schema)}`),
      resolvers: withReferenceResolvers(createResolversMap(schema) as GraphQLResolverMap<GatewayContext>),
    },
  ]);
}
