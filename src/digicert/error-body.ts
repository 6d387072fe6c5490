import type { DigicertErrorEntry } from "../errors/gateway-error.js";

/** At most this many DigiCert error entries are passed on to the caller. */
const MAX_ERROR_ENTRIES = 10;
/** DigiCert codes and messages are cut to this many characters before they are passed on. */
const MAX_ENTRY_LENGTH = 500;

function clip(text: string): string {
  return text.length > MAX_ENTRY_LENGTH ? `${text.slice(0, MAX_ENTRY_LENGTH)}…` : text;
}

/** Returns a string or number field as text, and anything else as "". */
function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return "";
}

function toEntry(value: unknown): DigicertErrorEntry | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { code, message } = value as Record<string, unknown>;
  const entry = { code: clip(textOf(code)), message: clip(textOf(message)) };
  return entry.code === "" && entry.message === "" ? undefined : entry;
}

/**
 * Reads DigiCert's `{"errors": [{"code", "message"}]}` body. Never throws: HTML, empty,
 * truncated or otherwise unexpected bodies yield an empty list, and a single error
 * object in place of the array is accepted. The Content-Type is not consulted, because
 * DigiCert may add a charset or omit the header.
 */
export function parseErrorBody(body: string): DigicertErrorEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [];
  }
  if (typeof parsed !== "object" || parsed === null) return [];

  const errors = (parsed as Record<string, unknown>).errors;
  const candidates = Array.isArray(errors) ? errors : [errors];
  const entries: DigicertErrorEntry[] = [];
  for (const candidate of candidates) {
    const entry = toEntry(candidate);
    if (entry !== undefined) entries.push(entry);
    if (entries.length === MAX_ERROR_ENTRIES) break;
  }
  return entries;
}

// The three HTTP-date forms of RFC 9110 section 5.6.7: IMF-fixdate, RFC 850 and asctime.
const HTTP_DATE = [
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
  /^(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/,
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/,
];

/**
 * Converts a Retry-After header (delay in seconds, or an HTTP date) to whole seconds
 * from `now`. Returns undefined for a missing or unreadable header, so the caller's
 * default applies; Date.parse alone would accept text such as "1.5" or "-5".
 */
export function parseRetryAfter(header: string | string[] | undefined, now: Date = new Date()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);

  if (!HTTP_DATE.some((form) => form.test(trimmed))) return undefined;
  // asctime carries no zone but is defined as GMT.
  const date = Date.parse(/GMT$/.test(trimmed) ? trimmed : `${trimmed} GMT`);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}
