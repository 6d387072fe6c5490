#!/usr/bin/env node
// Memory of the service at rest, split by where it lives. The script builds the server
// with the built service's createServer in its own process, in front of the fake
// upstream, and sends it revokeOrder requests. After each step it runs a full garbage
// collection and prints the resident set (/proc/self/status) beside V8's heap spaces.
// Usage: node --expose-gc bench/idle-memory.mjs [--service-root DIR] [--requests N]
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import v8 from "node:v8";
import { postOnce, readMemory, startUpstream } from "./lib/processes.mjs";
import { importFromBuild } from "./lib/service-build.mjs";
import { defineTargets, revokeRequest } from "./lib/targets.mjs";

const MB = 1e6;

function describe(label) {
  globalThis.gc();
  const memory = readMemory(process.pid);
  const spaces = v8.getHeapSpaceStatistics().filter((space) => space.physical_space_size > 0);
  const heapResident = spaces.reduce((sum, space) => sum + space.physical_space_size, 0);
  return [
    `${label}: RssAnon ${(memory.anonBytes / MB).toFixed(1)} MB, RssFile ${(memory.fileBytes / MB).toFixed(1)} MB; V8 heap resident ${(heapResident / MB).toFixed(1)} MB, ` +
      `anonymous memory outside V8's heap about ${((memory.anonBytes - heapResident) / MB).toFixed(1)} MB`,
    ...spaces.map((space) => `  ${space.space_name} ${(space.space_used_size / MB).toFixed(1)} used / ${(space.physical_space_size / MB).toFixed(1)} resident`),
  ].join("\n");
}

async function main() {
  const { values } = parseArgs({ options: { "service-root": { type: "string" }, requests: { type: "string", default: "200" } } });
  if (typeof globalThis.gc !== "function") throw new Error("run node with --expose-gc: node --expose-gc bench/idle-memory.mjs");
  const requests = Number(values.requests);
  if (!Number.isInteger(requests) || requests < 1) throw new Error(`--requests must be a whole number above 0, got ${values.requests}`);
  const root = path.resolve(values["service-root"] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), ".."));

  const lines = [describe("node started")];
  const upstream = await startUpstream();
  try {
    const { loadConfig } = await importFromBuild(root, "config/config.js");
    const { createLogger } = await importFromBuild(root, "logger.js");
    const { createServer } = await importFromBuild(root, "http/server.js");
    lines.push(describe("service modules loaded"));

    const config = loadConfig({ ...process.env, NODE_ENV: "production", LOG_LEVEL: "info", DIGICERT_API_URL: upstream.baseUrl, HOST: "127.0.0.1", PORT: "0" });
    const server = await createServer(config, createLogger(config, { write() {} }));
    await server.app.listen({ port: 0, host: "127.0.0.1" });
    lines.push(describe("server created and listening"));

    const port = server.app.server.address().port;
    const request = revokeRequest(defineTargets({ serviceRoot: root, supergraphPath: "", logLevel: "info" }).service);
    for (let index = 0; index < requests; index += 1) {
      const response = await postOnce(port, request.path, request.body, request.headers);
      if (!request.verify(response.body)) throw new Error(`revokeOrder returned an unexpected response: ${response.status} ${response.body.slice(0, 300)}`);
    }
    lines.push(describe(`after ${requests} revokeOrder requests`));
    await server.app.close();
  } finally {
    await upstream.stop();
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch((error) => {
  process.stderr.write(`idle-memory failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
