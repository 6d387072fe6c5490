import { GraphQLScalarType } from "graphql";
import { DateTimeISOResolver } from "graphql-scalars";

/**
 * `DateTime`: graphql-scalars' DateTimeISO under the name callers expect. It always
 * serializes to an ISO 8601 string in UTC, so the instant equals DigiCert's whatever
 * offset DigiCert wrote.
 */
export const DateTimeScalar = new GraphQLScalarType({
  ...DateTimeISOResolver.toConfig(),
  name: "DateTime",
  description: "An instant as an ISO 8601 string in UTC with millisecond precision, such as 2016-02-10T17:06:15.000Z.",
});
