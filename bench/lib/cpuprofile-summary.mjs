#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function and by package,
// and inclusive time by package (time with the package anywhere on the stack).
// Usage: node bench/lib/cpuprofile-summary.mjs FILE [--top N] [--skip-ms MS]
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const SPECIAL_FRAMES = new Set(["(garbage collector)", "(program)", "(idle)", "(root)"]);

/** Names the package or part of Node a script URL belongs to. */
export function packageOf(url, functionName) {
  if (SPECIAL_FRAMES.has(functionName)) return functionName;
  if (url === "") return "(native or V8 builtin)";
  if (url.startsWith("node:")) return "node (core)";
  const modules = url.lastIndexOf("/node_modules/");
  if (modules !== -1) {
    const parts = url.slice(modules + "/node_modules/".length).split("/");
    return parts[0].startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const dist = url.indexOf("/dist/");
  if (dist !== -1) return `service ${url.slice(dist + 1)}`;
  return url.replace(/^file:\/\//, "");
}

function shortLocation(url, lineNumber) {
  const modules = url.lastIndexOf("/node_modules/");
  const relativePath = modules !== -1 ? url.slice(modules + "/node_modules/".length) : url.replace(/^file:\/\/.*\/dist\//, "dist/");
  return relativePath === "" ? "" : `${relativePath}:${lineNumber + 1}`;
}

/**
 * Computes the summary. Samples in the first `skipMs` milliseconds of the profile
 * (start-up and warm-up) are left out. Returns times in milliseconds.
 */
export function summarizeProfile(profile, { skipMs = 0 } = {}) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parents.set(child, node.id);
  }

  const selfByFunction = new Map();
  const selfByPackage = new Map();
  const inclusiveByPackage = new Map();
  const add = (map, key, micros) => map.set(key, (map.get(key) ?? 0) + micros);

  let elapsed = 0;
  let counted = 0;
  for (let index = 0; index < profile.samples.length; index += 1) {
    const delta = profile.timeDeltas[index] ?? 0;
    elapsed += delta;
    if (elapsed < skipMs * 1000) continue;
    // A sample's time is the gap to the next sample, as Chrome DevTools counts it.
    const micros = profile.timeDeltas[index + 1] ?? 0;
    const node = nodes.get(profile.samples[index]);
    const { functionName, url, lineNumber } = node.callFrame;
    const name = functionName === "" ? "(anonymous)" : functionName;
    add(selfByFunction, `${name}\t${shortLocation(url, lineNumber)}\t${packageOf(url, functionName)}`, micros);
    add(selfByPackage, packageOf(url, functionName), micros);
    counted += micros;

    const onStack = new Set();
    for (let id = node.id; id !== undefined; id = parents.get(id)) {
      const frame = nodes.get(id).callFrame;
      if (frame.functionName === "(root)") continue;
      onStack.add(packageOf(frame.url, frame.functionName));
    }
    for (const name of onStack) add(inclusiveByPackage, name, micros);
  }

  const toRows = (map) =>
    [...map.entries()]
      .map(([key, micros]) => ({ key, ms: micros / 1000, share: counted === 0 ? 0 : micros / counted }))
      .sort((a, b) => b.ms - a.ms);
  return {
    totalMs: counted / 1000,
    byFunction: toRows(selfByFunction).map(({ key, ms, share }) => {
      const [name, location, pkg] = key.split("\t");
      return { name, location, package: pkg, ms, share };
    }),
    byPackage: toRows(selfByPackage),
    inclusiveByPackage: toRows(inclusiveByPackage),
  };
}

/** Renders a summary as markdown tables. */
export function renderSummary(summary, top = 25) {
  const percent = (share) => `${(share * 100).toFixed(1)}%`;
  const lines = [
    `Profiled time after the skipped start: ${summary.totalMs.toFixed(0)} ms.`,
    "",
    `Top ${top} functions by self time:`,
    "",
    "| Self ms | Share | Function | Location | Package |",
    "| ---: | ---: | --- | --- | --- |",
    ...summary.byFunction.slice(0, top).map((row) => `| ${row.ms.toFixed(0)} | ${percent(row.share)} | ${row.name} | ${row.location} | ${row.package} |`),
    "",
    "Self time by package:",
    "",
    "| Self ms | Share | Package |",
    "| ---: | ---: | --- |",
    ...summary.byPackage.slice(0, top).map((row) => `| ${row.ms.toFixed(0)} | ${percent(row.share)} | ${row.key} |`),
    "",
    "Inclusive time by package (the package anywhere on the stack):",
    "",
    "| Inclusive ms | Share | Package |",
    "| ---: | ---: | --- |",
    ...summary.inclusiveByPackage.slice(0, top).map((row) => `| ${row.ms.toFixed(0)} | ${percent(row.share)} | ${row.key} |`),
  ];
  return lines.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "25" }, "skip-ms": { type: "string", default: "0" } },
  });
  if (positionals.length !== 1) {
    process.stderr.write("Usage: node bench/lib/cpuprofile-summary.mjs FILE [--top N] [--skip-ms MS]\n");
    process.exit(2);
  }
  const profile = JSON.parse(readFileSync(positionals[0], "utf8"));
  process.stdout.write(`${renderSummary(summarizeProfile(profile, { skipMs: Number(values["skip-ms"]) }), Number(values.top))}\n`);
}
