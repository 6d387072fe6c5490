import type { DigicertErrorEntry } from "../errors/gateway-error.js";

/** At most this many DigiCert error entries are passed on to the caller. */
const MAX_ERROR_ENTRIES = 10;
/** DigiCert codes and messages are cut to this many characters before they are passed on. */
const MAX_ENTRY_LENGTH = 500;

function clip(text: string): string {
  return text.length > MAX_ENTRY_LENGTH ? `${text.slice(0, MAX_ENTRY_LENGTH)}…` : text;
}

function toEntry(value: unknown): DigicertErrorEntry | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { code, message } = value as Record<string, unknown>;
  if (typeof code !== "string" && typeof message !== "string") return undefined;
  return {
    code: clip(typeof code === "string" ? code : ""),
    message: clip(typeof message === "string" ? message : ""),
  };
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

/**
 * Converts a Retry-After header (delay in seconds, or an HTTP date) to whole seconds
 * from `now`. Returns undefined for a missing or unreadable header.
 */
export function parseRetryAfter(header: string | string[] | undefined, now: Date = new Date()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);

  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now.getTime()) / 1000));
}
