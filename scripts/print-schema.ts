import { writeFile } from "node:fs/promises";
import { printSubgraphSchema } from "@apollo/subgraph";
import { buildGatewaySchema } from "../src/graphql/schema.js";

/** Path of the committed SDL, relative to the repository root. */
export const SCHEMA_FILE = new URL("../schema/schema.graphql", import.meta.url);

/** Prints the subgraph SDL exactly as `_service { sdl }` returns it. */
export async function printGatewaySchema(): Promise<string> {
  return `${printSubgraphSchema(await buildGatewaySchema())}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await writeFile(SCHEMA_FILE, await printGatewaySchema());
  process.stdout.write(`Wrote ${SCHEMA_FILE.pathname}\n`);
}
