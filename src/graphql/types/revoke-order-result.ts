import { DateTimeScalar } from "./date-time.js";
import { createUnionType, Field, ID, ObjectType } from "type-graphql";
import { RevocationReason, RevokeRequestStatus } from "./enums.js";
import { User } from "./user.js";

@ObjectType({
  description:
    "DigiCert accepted the revocation as a request (HTTP 201). Nothing is revoked yet: an administrator must approve the request in CertCentral first.",
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
}

export const RevokeOrderResult = createUnionType({
  name: "RevokeOrderResult",
  description:
    "What DigiCert did with a revocation: RevokeRequest when it awaits an administrator's approval, RevokedImmediately when it is done.",
  types: () => [RevokeRequest, RevokedImmediately] as const,
});
