import { z } from "zod";

/** A CertCentral user as this service passes it on. */
export interface DigicertUser {
  id: number;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
}

// ISO 8601 with a UTC offset, as DigiCert writes timestamps ("2016-02-10T17:06:15+00:00").
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/;

/** A DigiCert timestamp field. */
export const timestampSchema = z.string().regex(TIMESTAMP, "not an ISO 8601 timestamp with an offset");

/** DigiCert's user details: `id`, `first_name`, `last_name`, `email`. */
export const userSchema = z.object({
  id: z.number().int(),
  first_name: z.string().nullish(),
  last_name: z.string().nullish(),
  email: z.string().nullish(),
});

/** Converts a checked DigiCert timestamp to a Date; a space in place of "T" is accepted. */
export function toDate(timestamp: string): Date {
  return new Date(timestamp.replace(" ", "T"));
}

/** Converts DigiCert's user details to camelCase. */
export function toDigicertUser(user: z.infer<typeof userSchema>): DigicertUser {
  return { id: user.id, firstName: user.first_name ?? null, lastName: user.last_name ?? null, email: user.email ?? null };
}
