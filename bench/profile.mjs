#!/usr/bin/env node
// CPU profile of a benchmark target (the service by default) under the (a) load. The
// target runs under `node --cpu-prof` in front of the fake upstream, is warmed up and
// loaded, then stopped with SIGTERM so that V8 writes the profile.
// lib/cpuprofile-summary.mjs summarizes it.
// Usage: node bench/profile.mjs [--service-rev REV | --service-root DIR] [options]
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { renderSummary, summarizeProfile } from "./lib/cpuprofile-summary.mjs";
import { describeFailures, runLoad } from "./lib/load.mjs";
import { freePort, startProcess, startUpstream, waitForRevoke } from "./lib/processes.mjs";
import { buildRevision, useBuild } from "./lib/service-build.mjs";
import { defineTargets, revokeRequest } from "./lib/targets.mjs";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(BENCH_DIR, "..");
const WORK_DIR = path.join(BENCH_DIR, ".work");
const PROFILE_DIR = path.join(WORK_DIR, "profiles");
const PROFILED_TARGETS = ["service", "graphql-floor", "got-proxy", "limit"];

const HELP = `Usage: node bench/profile.mjs [options]

Runs revocation-gateway (or another target) under node --cpu-prof with the benchmark's
load and prints the functions and packages with the most CPU time. The profile is written to
bench/.work/profiles/ (never commit .cpuprofile files).

Options:
  --service-rev REV     profile git revision REV, built under bench/.work/
  --service-root DIR    profile the build in DIR, which needs dist/ and node_modules/
                        (default: the repository root)
  --latency MS          upstream latency in milliseconds (default 0)
  --connections N       concurrent connections (default 32)
  --seconds S           length of the profiled load in seconds (default 10)
  --log-level LEVEL     LOG_LEVEL of the service (default info)
  --target NAME         profile service (the default), graphql-floor, got-proxy or limit
  --top N               rows per table (default 25)
  --help                print this help
`;

function log(message) {
  process.stderr.write(`[profile ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function wholeNumber(value, option) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new Error(`${option} must be a whole number, got ${JSON.stringify(value)}`);
  return number;
}

async function main() {
  const { values } = parseArgs({
    options: {
      "service-rev": { type: "string" },
      "service-root": { type: "string" },
      latency: { type: "string", default: "0" },
      connections: { type: "string", default: "32" },
      seconds: { type: "string", default: "10" },
      "log-level": { type: "string", default: "info" },
      top: { type: "string", default: "25" },
      target: { type: "string", default: "service" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const latencyMs = wholeNumber(values.latency, "--latency");
  const connections = wholeNumber(values.connections, "--connections");
  const seconds = wholeNumber(values.seconds, "--seconds");
  if (!PROFILED_TARGETS.includes(values.target)) {
    throw new Error(`--target must be one of ${PROFILED_TARGETS.join(", ")}, got ${JSON.stringify(values.target)}`);
  }

  mkdirSync(PROFILE_DIR, { recursive: true });
  mkdirSync(path.join(WORK_DIR, "logs"), { recursive: true });
  const serviceBuild =
    values["service-rev"] !== undefined
      ? buildRevision(REPO_ROOT, WORK_DIR, values["service-rev"], log)
      : useBuild(values["service-root"] === undefined ? REPO_ROOT : path.resolve(values["service-root"]), REPO_ROOT, log);
  for (const warning of serviceBuild.warnings) log(`NOTE: ${warning}`);

  const upstream = await startUpstream();
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const profileName = `${values.target}-${stamp}.cpuprofile`;
  let service;
  try {
    const target = defineTargets({ serviceRoot: serviceBuild.root, supergraphPath: "", logLevel: values["log-level"] })[values.target];
    const port = await freePort();
    const spec = target.spawn({
      port,
      upstreamUrl: upstream.baseUrl,
      nodeOptions: ["--cpu-prof", "--cpu-prof-dir", PROFILE_DIR, "--cpu-prof-name", profileName],
    });
    service = startProcess({ ...spec, logFile: path.join(WORK_DIR, "logs", `profile-${stamp}.log`) });
    await waitForRevoke(service, port, revokeRequest(target));

    await upstream.setLatency(latencyMs);
    const request = revokeRequest(target);
    const load = { url: `http://127.0.0.1:${port}${target.path}`, body: request.body, headers: request.headers, verify: request.verify, connections };
    await runLoad({ ...load, durationSeconds: 2 });
    const warmedAfterMs = performance.now() - service.spawnedAt;
    log(`Profiling ${seconds} s at ${connections} connections, upstream latency ${latencyMs} ms`);
    const result = await runLoad({ ...load, durationSeconds: seconds });
    const failures = describeFailures(result);
    log(`${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms${failures === "" ? "" : `; ${failures}`}`);

    await service.stop();
    const file = path.join(PROFILE_DIR, profileName);
    if (!existsSync(file)) {
      throw new Error(`node --cpu-prof wrote no ${profileName} in ${PROFILE_DIR} (found: ${readdirSync(PROFILE_DIR).join(", ") || "nothing"})`);
    }
    // The proxies write no logs, so LOG_LEVEL means nothing to them.
    const usesLogLevel = values.target === "service" || values.target === "graphql-floor";
    const summary = summarizeProfile(JSON.parse(readFileSync(file, "utf8")), { skipMs: warmedAfterMs });
    const report =
      `Target: ${target.label}. Service: ${serviceBuild.description}${usesLogLevel ? `, LOG_LEVEL=${values["log-level"]}` : ""}, ${connections} connections, upstream latency ${latencyMs} ms, ` +
      `${seconds} s profiled after start-up and a 2 s warm-up.\n` +
      `Load: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms.\n\n` +
      `${renderSummary(summary, wholeNumber(values.top, "--top"))}\n\nProfile: ${file}\n`;
    // The summary is kept beside the profile, because the load rate is in no other file.
    writeFileSync(file.replace(/\.cpuprofile$/, ".md"), report);
    process.stdout.write(report);
  } finally {
    if (service !== undefined) await service.stop();
    await upstream.stop();
  }
}

main().catch((error) => {
  log(`Failed: ${error.stack ?? error.message}`);
  process.exit(1);
});
