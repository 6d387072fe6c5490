import { writeFile } from "node:fs/promises";
import { graphql } from "graphql";
import { buildGatewaySchema } from "../src/graphql/schema.js";

/** Path of the committed SDL, relative to the repository root. */
export const SCHEMA_FILE = new URL("../schema/schema.graphql", import.meta.url);

/** Returns the subgraph SDL exactly as `_service { sdl }` serves it to a router. */
export async function printGatewaySchema(): Promise<string> {
  const result = await graphql({ schema: await buildGatewaySchema(), source: "{ _service { sdl } }" });
  const sdl = (result.data as { _service?: { sdl?: unknown } } | null | undefined)?._service?.sdl;
  if (typeof sdl !== "string") throw new Error(`_service { sdl } failed: ${JSON.stringify(result.errors)}`);
  return `${sdl}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(SCHEMA_FILE, await printGatewaySchema());
  process.stdout.write(`Wrote ${SCHEMA_FILE.pathname}\n`);
}
