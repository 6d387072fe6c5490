import { inspect } from "node:util";

const REDACTED = "[redacted]";

/**
 * A caller's DigiCert API key. The value is kept in a private field and every
 * conversion to text (template strings, JSON, util.inspect, pino) prints
 * "[redacted]", so a key that ends up in a log call or an error shows nothing.
 * Only the DigiCert client reads it, with `reveal()`, to set the header.
 */
export class ApiKey {
  readonly #value: string;

  private constructor(value: string) {
    this.#value = value;
  }

  /**
   * Reads the key from the X-DC-DEVKEY header value. Returns undefined when the header
   * is missing or blank, or given as a list. The HTTP layer rejects a repeated header
   * before this, since Node joins repeats into one string.
   */
  static fromHeader(header: string | string[] | undefined): ApiKey | undefined {
    if (typeof header !== "string") return undefined;
    const value = header.trim();
    return value === "" ? undefined : new ApiKey(value);
  }

  /** Returns the raw key, for the X-DC-DEVKEY header of an upstream call and for redaction. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** Replaces every occurrence of the key in a text, for upstream messages that echo it. */
export function redactKey(text: string, key: ApiKey): string {
  const raw = key.reveal();
  return raw === "" ? text : text.split(raw).join(REDACTED);
}
