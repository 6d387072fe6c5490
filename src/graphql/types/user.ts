import { Field, ID, ObjectType } from "type-graphql";
import type { DigicertUser } from "../../digicert/revoke-order.js";

@ObjectType({ description: "A CertCentral user, such as the one whose API key asked for a revocation." })
export class User {
  @Field(() => ID, { description: "DigiCert's user id." })
  id!: string;

  @Field(() => String, { nullable: true, description: "First name, when DigiCert returns one." })
  firstName!: string | null;

  @Field(() => String, { nullable: true, description: "Last name, when DigiCert returns one." })
  lastName!: string | null;

  @Field(() => String, { nullable: true, description: "Email address, when DigiCert returns one." })
  email!: string | null;
}

/** Builds a User from DigiCert's user details. */
export function toUser(user: DigicertUser): User {
  return Object.assign(new User(), {
    id: String(user.id),
    firstName: user.firstName,
    lastName: user.lastName,
    email: user.email,
  });
}
