import { ApolloArmor } from "@escape.tech/graphql-armor";

/** Largest accepted request body, in bytes. A revokeOrder document is well under 4 KiB. */
export const BODY_LIMIT_BYTES = 64 * 1024;

/** Largest GraphQL document accepted, in lexical tokens; graphql-js's full introspection query has 184. */
export const MAX_DOCUMENT_TOKENS = 2000;

/**
 * Limits on the shape of a GraphQL document, checked before execution. The schema is
 * at most four levels deep; the limits leave room for clients' fragments while
 * rejecting documents built to exhaust the server. Aliases are capped low because each
 * aliased revokeOrder would be another revocation.
 */
export const createDocumentLimits = (production: boolean) =>
  new ApolloArmor({
    maxDepth: { n: 10, ignoreIntrospection: true, exposeLimits: true },
    maxAliases: { n: 10, exposeLimits: true },
    maxDirectives: { n: 20, exposeLimits: true },
    // graphql-armor 3.2.0's Apollo token plugin throws from parsingDidStart, which turns every
    // syntax error into HTTP 500; graphql-js's own parse option below limits tokens instead.
    maxTokens: { enabled: false },
    costLimit: { maxCost: 5000, ignoreIntrospection: true, exposeLimits: true },
    // Suggestions ("Did you mean ...?") reveal the schema, which production does not publish.
    blockFieldSuggestion: { enabled: production },
  }).protect();

/**
 * Throws 415 for a body in a charset other than UTF-8. GraphQL over HTTP bodies are
 * UTF-8 JSON, and decoding another charset as UTF-8 would alter the comment silently.
 */
export function rejectUnsupportedCharset(contentType: string | undefined): void {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? "")?.[1];
  if (charset === undefined || /^utf-?8$/i.test(charset)) return;
  throw Object.assign(new Error(`Charset ${JSON.stringify(charset)} is not supported. Send the body as UTF-8.`), {
    statusCode: 415,
    code: "UNSUPPORTED_CHARSET",
  });
}
