import { DateTimeScalar } from "./date-time.js";
import { createUnionType, Directive, Field, ID, ObjectType } from "type-graphql";
import { Order } from "./order.js";
import { RevocationReason, RevokeRequestStatus } from "./enums.js";
import { User } from "./user.js";

@Directive('@key(fields: "id")')
@ObjectType({
  description:
    "A revocation request in DigiCert's approval workflow. revokeOrder returns one when DigiCert answered 201: nothing is revoked until an administrator approves it in CertCentral. Follow it with the revokeRequest query.",
})
export class RevokeRequest {
  @Field(() => ID, { description: "DigiCert's request id; use it to follow the request." })
  id!: string;

  @Field(() => DateTimeScalar, { description: "When DigiCert created the request (DigiCert's clock)." })
  date!: Date;

  @Field(() => RevokeRequestStatus, { description: "Where the request stands; a new request is PENDING." })
  status!: RevokeRequestStatus;

  @Field(() => User, { description: "The user whose API key asked for the revocation." })
  requester!: User;

  @Field(() => String, { nullable: true, description: "The comment for the approver, as DigiCert stored it." })
  comments!: string | null;

  @Field(() => ID, { description: "The order whose certificates the request would revoke." })
  orderId!: string;

  @Field(() => Order, { description: "The order whose certificates the request would revoke, as an entity of the supergraph." })
  order!: Order;

  @Field(() => DateTimeScalar, { nullable: true, description: "When an administrator approved or rejected the request; null while it is pending." })
  processedDate!: Date | null;

  @Field(() => User, { nullable: true, description: "The administrator who approved or rejected the request; null while it is pending." })
  processor!: User | null;

  @Field(() => String, { nullable: true, description: "The administrator's comment on the decision, when there is one." })
  processorComment!: string | null;

  /** False when built from an order's requests[] summary: the fields DigiCert left out are read with GET /request/{id}. */
  complete = true;
}

@ObjectType({
  description:
    "DigiCert revoked every certificate of the order at once (HTTP 204), without an approval step. This is permanent.",
})
export class RevokedImmediately {
  @Field(() => ID, { description: "The order whose certificates were revoked." })
  orderId!: string;

  @Field(() => RevocationReason, {
    description: "The reason sent with the revocation; UNSPECIFIED when none was given.",
  })
  reason!: RevocationReason;

  @Field(() => DateTimeScalar, {
    description:
      "When the gateway received DigiCert's confirmation, by the gateway's clock. DigiCert's answer carries no revocation time.",
  })
  confirmationReceivedAt!: Date;

  @Field(() => Order, { description: "The revoked order, as an entity of the supergraph." })
  order!: Order;
}

export const RevokeOrderResult = createUnionType({
  name: "RevokeOrderResult",
  description:
    "What DigiCert did with a revocation: RevokeRequest when it awaits an administrator's approval, RevokedImmediately when it is done.",
  types: () => [RevokeRequest, RevokedImmediately] as const,
});
