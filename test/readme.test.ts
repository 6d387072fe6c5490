import { readFile } from "node:fs/promises";
import { describe, expect, test } from "@jest/globals";
import { ErrorCode } from "../src/errors/codes.js";

/** Codes in the first column of the table between the error-codes markers. */
async function documentedCodes(file: string): Promise<string[]> {
  const text = await readFile(new URL(`../${file}`, import.meta.url), "utf8");
  const start = text.indexOf("<!-- error-codes:start -->");
  const end = text.indexOf("<!-- error-codes:end -->");
  if (start === -1 || end === -1) throw new Error(`${file} has no error-codes markers`);
  return [...text.slice(start, end).matchAll(/^\| `([A-Z_]+)` \|/gm)].map((match) => match[1] ?? "");
}

describe("README error tables", () => {
  test.each(["README.md", "README.ru.md"])("%s lists every ErrorCode once", async (file) => {
    const codes = await documentedCodes(file);

    expect([...codes].sort()).toEqual(Object.values(ErrorCode).sort());
  });
});
