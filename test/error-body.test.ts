import { describe, expect, test } from "@jest/globals";
import { parseErrorBody, parseRetryAfter } from "../src/digicert/error-body.js";

describe("parseErrorBody", () => {
  test("reads array of errors", () => {
    const body = JSON.stringify({
      errors: [
        { code: "not_found|order", message: "Order not found." },
        { code: "access_denied|missing_permission", message: "You do not have permission." },
      ],
    });

    expect(parseErrorBody(body)).toEqual([
      { code: "not_found|order", message: "Order not found." },
      { code: "access_denied|missing_permission", message: "You do not have permission." },
    ]);
  });

  test("accepts errors as single object", () => {
    const body = JSON.stringify({ errors: { code: "request_limit_exceeded", message: "Slow down." } });

    expect(parseErrorBody(body)).toEqual([{ code: "request_limit_exceeded", message: "Slow down." }]);
  });

  test("keeps only code and message", () => {
    const body = JSON.stringify({ errors: [{ code: "invalid_value", message: "Bad value.", field: "comments" }] });

    expect(parseErrorBody(body)).toStrictEqual([{ code: "invalid_value", message: "Bad value." }]);
  });

  test("HTML body yields empty list", () => {
    const body = "<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>";

    expect(parseErrorBody(body)).toEqual([]);
  });

  test("empty body yields empty list", () => {
    expect(parseErrorBody("")).toEqual([]);
  });

  test("truncated JSON yields empty list", () => {
    expect(parseErrorBody('{"errors":[{"code":"not_found|order","mess')).toEqual([]);
  });

  test("JSON without errors yields empty list", () => {
    expect(parseErrorBody('{"message":"Internal error"}')).toEqual([]);
  });

  test.each([
    ["null", "null"],
    ["number", "42"],
    ["string", '"not_found|order"'],
    ["empty array", "[]"],
    ["bare error array", '[{"code":"not_found|order","message":"Order not found."}]'],
  ])("top-level %s yields empty list", (_kind, body) => {
    expect(parseErrorBody(body)).toEqual([]);
  });

  test("errors null yields empty list", () => {
    expect(parseErrorBody('{"errors":null}')).toEqual([]);
  });

  test("numeric code is kept as text", () => {
    const body = JSON.stringify({ errors: [{ code: 404, message: "Order not found." }] });

    expect(parseErrorBody(body)).toEqual([{ code: "404", message: "Order not found." }]);
  });

  test("non-string message becomes empty", () => {
    const body = JSON.stringify({ errors: [{ code: "not_found|order", message: { text: "Order not found." } }] });

    expect(parseErrorBody(body)).toEqual([{ code: "not_found|order", message: "" }]);
  });

  test("entries without code or message dropped", () => {
    const body = JSON.stringify({
      errors: [{ code: true, message: ["x"] }, "not_found|order", null, { code: "not_found|order", message: "Order not found." }],
    });

    expect(parseErrorBody(body)).toEqual([{ code: "not_found|order", message: "Order not found." }]);
  });

  test("more than ten entries capped", () => {
    const errors = Array.from({ length: 25 }, (_, index) => ({ code: `code_${index}`, message: `message ${index}` }));
    const entries = parseErrorBody(JSON.stringify({ errors }));

    expect(entries).toHaveLength(10);
    expect(entries.map((entry) => entry.code)).toEqual(errors.slice(0, 10).map((error) => error.code));
  });

  test("cap counts only kept entries", () => {
    const errors = [null, null, ...Array.from({ length: 12 }, (_, index) => ({ code: `code_${index}`, message: "x" }))];
    const entries = parseErrorBody(JSON.stringify({ errors }));

    expect(entries).toHaveLength(10);
    expect(entries[0]?.code).toBe("code_0");
  });

  test("long message clipped", () => {
    const message = "m".repeat(400) + "n".repeat(4000);
    const [entry] = parseErrorBody(JSON.stringify({ errors: [{ code: "internal_error", message }] }));

    expect(entry?.message).toBe(message.slice(0, 500) + "…");
  });

  test("long code clipped", () => {
    const code = "c".repeat(1000);
    const [entry] = parseErrorBody(JSON.stringify({ errors: [{ code, message: "x" }] }));

    expect(entry?.code).toBe("c".repeat(500) + "…");
  });

  test("message at limit kept whole", () => {
    const message = "m".repeat(500);
    const [entry] = parseErrorBody(JSON.stringify({ errors: [{ code: "internal_error", message }] }));

    expect(entry?.message).toBe(message);
  });
});

describe("parseRetryAfter", () => {
  const now = new Date("2026-01-01T00:00:00Z");

  test("reads delay in seconds", () => {
    expect(parseRetryAfter("120", now)).toBe(120);
  });

  test("zero seconds kept", () => {
    expect(parseRetryAfter("0", now)).toBe(0);
  });

  test("surrounding spaces ignored", () => {
    expect(parseRetryAfter(" 30 ", now)).toBe(30);
  });

  test("reads HTTP date", () => {
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:01:30 GMT", now)).toBe(90);
  });

  test("partial second rounded up", () => {
    const later = new Date("2026-01-01T00:00:09.500Z");

    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:10 GMT", later)).toBe(1);
  });

  test("past date gives zero", () => {
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
  });

  test("missing header gives undefined", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  test("empty header gives undefined", () => {
    expect(parseRetryAfter("", now)).toBeUndefined();
  });

  // RFC 9110 allows only delay-seconds (digits) or an HTTP-date, so each of these is unreadable.
  test.each(["soon", "10 seconds", "1.5", "-5", "later 12", "0x10"])("garbage %p gives undefined", (header) => {
    expect(parseRetryAfter(header, now)).toBeUndefined();
  });

  test("array header uses first value", () => {
    expect(parseRetryAfter(["60", "5"], now)).toBe(60);
  });

  test("empty array gives undefined", () => {
    expect(parseRetryAfter([], now)).toBeUndefined();
  });
});
