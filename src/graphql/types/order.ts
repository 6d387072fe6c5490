import { Directive, Field, ID, ObjectType } from "type-graphql";

/**
 * A DigiCert order. Another subgraph owns it; this one resolves it by id and adds the
 * order's revocation requests.
 */
@Directive('@key(fields: "id")')
@ObjectType({ description: "A DigiCert certificate order. This subgraph contributes its revocation requests." })
export class Order {
  @Field(() => ID, { description: "DigiCert order id." })
  id!: string;
}

/** Builds an Order reference for an id. */
export function orderReference(id: string | number): Order {
  return Object.assign(new Order(), { id: String(id) });
}
