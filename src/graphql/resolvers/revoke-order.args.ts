import { ArgsType, Field, ID } from "type-graphql";
import { RevocationReason } from "../types/enums.js";
import { MAX_COMMENT_LENGTH } from "./revoke-order.validation.js";

/** Arguments of revokeOrder, in the order the schema lists them. */
@ArgsType()
export class RevokeOrderArgs {
  @Field(() => ID, { description: "DigiCert order id: a positive whole number." })
  orderId!: string;

  @Field(() => RevocationReason, {
    nullable: true,
    description: "Why the certificates are revoked. DigiCert records UNSPECIFIED when it is omitted.",
  })
  reason?: RevocationReason | null;

  @Field(() => String, {
    nullable: true,
    description: `Message for the administrator who approves the request, at most ${MAX_COMMENT_LENGTH} characters; tabs and line breaks are allowed, other control characters are not. DigiCert does not keep it when it revokes at once.`,
  })
  comment?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      "Ask DigiCert to revoke at once, without an approval request. Needs an administrator's key. Whether it happened is told by the result type, not by this flag.",
  })
  skipApproval?: boolean | null;
}
