#!/usr/bin/env node
// Load benchmark of revocation-gateway, all in front of one fake DigiCert upstream on
// 127.0.0.1. It is measured against a bare reverse proxy (the cost floor), the same proxy
// calling through got (the ceiling of a got-based server), the service with no upstream
// call (the ceiling of its GraphQL side) and GraphQL Mesh (the peer).
// Usage: node bench/run.mjs [--quick] [--service-rev REV | --service-root DIR] ...
// with every option in --help. Everything listens on 127.0.0.1, and a request count or
// a duration bounds every load.
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { describeFailures, runLoad } from "./lib/load.mjs";
import {
  freePort,
  otherProcessesCores,
  postOnce,
  readCpuTicks,
  readMemory,
  sampleMemory,
  startProcess,
  startUpstream,
  waitForRevoke,
} from "./lib/processes.mjs";
import { describeEnvironment, evaluateTargets, OTHER_CPU_WARNING_CORES, renderReport } from "./lib/report.mjs";
import { buildRevision, useBuild } from "./lib/service-build.mjs";
import { BENCH_API_KEY, defineTargets, revokeRequest } from "./lib/targets.mjs";

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(BENCH_DIR, "..");
const WORK_DIR = path.join(BENCH_DIR, ".work");
const LOG_DIR = path.join(WORK_DIR, "logs");
const ALL_TARGETS = ["limit", "got-proxy", "graphql-floor", "service", "peer"];
const ALL_SCENARIOS = ["a", "b", "c", "d", "e"];

const HELP = `Usage: node bench/run.mjs [options]

Measures revocation-gateway, a bare reverse proxy, the same proxy calling through the
service's got instance, the service with no upstream call, and GraphQL Mesh, in front of
one fake DigiCert upstream, all on 127.0.0.1. Prints a markdown report and writes it, with
every run's raw numbers, to bench/.work/.

Options:
  --quick               2 runs per scenario and shorter loads, for a smoke check (about 3 min)
  --runs N              runs per scenario and target (default 5, or 2 with --quick)
  --service-rev REV     measure git revision REV (such as HEAD), built under bench/.work/
  --service-root DIR    measure the build in DIR, which needs dist/, node_modules/ and
                        package.json (default: the repository root, built with
                        npm run build when dist/main.js is missing)
  --log-level LEVEL     LOG_LEVEL of the service (default info, the service's default)
  --service-node-options="FLAGS"
                        extra node flags for the service and the got proxy,
                        space-separated, such as
                        --service-node-options="--max-semi-space-size=2" (write the =)
  --ignore-other-load   measure at once, without first waiting up to 60 s for other
                        processes on the machine to leave the CPU
  --targets LIST        comma-separated subset of limit,got-proxy,graphql-floor,
                        service,peer (default all)
  --scenarios LIST      comma-separated subset of a,b,c,d,e (default all; d and e share runs)
  --help                print this help
`;

function log(message) {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

function parseList(value, allowed, option) {
  if (value === undefined) return allowed;
  const items = value.split(",").map((item) => item.trim()).filter(Boolean);
  const unknown = items.filter((item) => !allowed.includes(item));
  if (unknown.length > 0 || items.length === 0) {
    throw new Error(`${option} must list some of ${allowed.join(",")}, got ${JSON.stringify(value)}`);
  }
  return allowed.filter((item) => items.includes(item));
}

function buildPlan(quick, runsOption) {
  const defaultRuns = quick ? 2 : 5;
  const runs = runsOption === undefined ? defaultRuns : Number(runsOption);
  if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new Error(`--runs must be a whole number from 1 to 50, got ${runsOption}`);
  return {
    runs,
    zeroLatency: { connections: 32, firstWarmupSeconds: 3, warmupSeconds: 1, durationSeconds: quick ? 3 : 6 },
    // A fixed request count per connection, because with a duration the requests cut off
    // at the end would pull the rate under the C/L bound by up to one latency per connection.
    slowUpstream: { latencyMs: 200, connections: 200, warmupPerConnection: 2, requestsPerConnection: quick ? 10 : 30 },
    inFlight: { latencyMs: 2000, connections: 1000, requestsPerConnection: quick ? 2 : 3 },
    connectionReuse: { connections: 32, amount: quick ? 3000 : 10_000 },
  };
}

/** Tracks every target process started, so an interrupted run leaves none behind. */
const liveProcesses = new Set();

async function launch(target, upstream, runLabel) {
  const port = await freePort();
  const spec = target.spawn({ port, upstreamUrl: upstream.baseUrl });
  const handle = startProcess({ ...spec, logFile: path.join(LOG_DIR, `${target.name}-${runLabel}.log`) });
  liveProcesses.add(handle);
  void handle.exited.then(({ code, signal }) => {
    liveProcesses.delete(handle);
    if (!handle.stopping) log(`${target.label} exited on its own (code ${code}, signal ${signal}); see ${LOG_DIR}`);
  });
  return { handle, port, url: `http://127.0.0.1:${port}${target.path}` };
}

async function stopAll() {
  await Promise.all([...liveProcesses].map((handle) => handle.stop(5_000)));
}

function loadOptions(target, running) {
  const request = revokeRequest(target);
  return { url: running.url, body: request.body, headers: request.headers, verify: request.verify };
}

function record(problems, interference, scenario, target, run, result) {
  const failures = describeFailures(result);
  if (failures !== "") problems.push(`(${scenario}) ${target.label}, run ${run}: ${failures}`);
  if (result.otherProcessesCores > OTHER_CPU_WARNING_CORES) {
    interference.push(`(${scenario}) ${target.label}, run ${run}: ${result.otherProcessesCores.toFixed(2)} cores`);
  }
}

// Before each measured run the benchmark waits for a half second in which other processes
// use less than QUIET_CORES. After QUIET_MAX_WAIT_MS it measures anyway, and the report
// lists every run during which other processes used more than OTHER_CPU_WARNING_CORES.
const QUIET_WINDOW_MS = 500;
const QUIET_CORES = 0.1;
const QUIET_MAX_WAIT_MS = 60_000;
let waitForQuiet = true;

function benchmarkPids(upstream) {
  return [process.pid, upstream.pid, ...[...liveProcesses].map((handle) => handle.pid)];
}

/** Waits until processes outside the benchmark leave the CPU alone, up to QUIET_MAX_WAIT_MS. */
async function waitForQuietMachine(upstream) {
  if (!waitForQuiet) return;
  const started = performance.now();
  for (;;) {
    const pids = benchmarkPids(upstream);
    const before = readCpuTicks(pids);
    await new Promise((resolve) => setTimeout(resolve, QUIET_WINDOW_MS));
    const cores = otherProcessesCores(before, readCpuTicks(pids), os.availableParallelism());
    const waitedMs = performance.now() - started;
    if (cores < QUIET_CORES) {
      if (waitedMs > 2 * QUIET_WINDOW_MS) log(`Waited ${(waitedMs / 1000).toFixed(0)} s for other processes to leave the CPU`);
      return;
    }
    if (waitedMs > QUIET_MAX_WAIT_MS) {
      log(`Other processes still use ${cores.toFixed(2)} cores after ${QUIET_MAX_WAIT_MS / 1000} s: measuring anyway`);
      return;
    }
  }
}

/**
 * Runs one measured load and adds `otherProcessesCores`: the CPU that processes outside
 * the benchmark used meanwhile (the orchestrator, the upstream and the targets are ours).
 */
async function measuredLoad(upstream, options) {
  await waitForQuietMachine(upstream);
  const pids = benchmarkPids(upstream);
  const before = readCpuTicks(pids);
  const result = await runLoad(options);
  const after = readCpuTicks(pids);
  return { ...result, otherProcessesCores: otherProcessesCores(before, after, os.availableParallelism()) };
}

/** Runs `body` for each target in an order rotated by run, so no target always goes first. */
async function forEachTargetRotated(targets, run, body) {
  for (let index = 0; index < targets.length; index += 1) {
    await body(targets[(index + run) % targets.length]);
  }
}

/**
 * Measures the harness alone: autocannon straight to the fake upstream's revoke route,
 * with the load of a scenario. A target adds a hop, so this is the ceiling for every target.
 */
async function measureHarness(upstream, load) {
  await waitForQuietMachine(upstream);
  const result = await runLoad({
    url: `${upstream.baseUrl}/order/certificate/1001/revoke`,
    method: "PUT",
    body: JSON.stringify({ revocation_reason: "keyCompromise", comments: "harness check" }),
    headers: { "x-dc-devkey": BENCH_API_KEY },
    verify: (body) => body.includes('"status":"pending"'),
    ...load,
  });
  if (describeFailures(result) !== "") throw new Error(`the harness check against the fake upstream failed: ${describeFailures(result)}`);
  return result;
}

/** Tells whether a target takes part in a scenario. A target without `scenarios` takes part in all. */
function takesPart(target, scenario) {
  return target.scenarios === undefined || target.scenarios.includes(scenario);
}

/** Returns the targets that take part in a scenario. */
function targetsFor(targets, scenario) {
  return targets.filter((target) => takesPart(target, scenario));
}

/** Scenarios (a) and (b): one long-lived process per target, runs interleaved across targets. */
async function runSteadyScenarios({ targets: allTargets, upstream, plan, scenarios, results, problems, interference, harnessChecks }) {
  const targets = allTargets.filter((target) => takesPart(target, "a") || takesPart(target, "b"));
  const running = new Map();
  for (const target of targets) {
    const started = await launch(target, upstream, "steady");
    await waitForRevoke(started.handle, started.port, revokeRequest(target));
    running.set(target.name, started);
  }
  // Both upstream responses must map to the right result before anything is measured.
  await verifyBothResponses(targets, running);

  if (scenarios.includes("a")) {
    const config = plan.zeroLatency;
    await upstream.setLatency(0);
    results.a = {};
    const harness = await measureHarness(upstream, { connections: config.connections, durationSeconds: config.durationSeconds });
    harnessChecks.a = harness;
    log(`(a) harness alone: ${harness.requestsPerSecond.toFixed(0)} req/s, p50 ${harness.p50Ms.toFixed(2)} ms, p99 ${harness.p99Ms.toFixed(2)} ms`);
    for (const target of targetsFor(targets, "a")) {
      await runLoad({ ...loadOptions(target, running.get(target.name)), connections: config.connections, durationSeconds: config.firstWarmupSeconds });
    }
    for (let run = 1; run <= plan.runs; run += 1) {
      await forEachTargetRotated(targetsFor(targets, "a"), run, async (target) => {
        const options = { ...loadOptions(target, running.get(target.name)), connections: config.connections };
        await runLoad({ ...options, durationSeconds: config.warmupSeconds });
        const result = await measuredLoad(upstream, { ...options, durationSeconds: config.durationSeconds });
        (results.a[target.name] ??= []).push(result);
        record(problems, interference, "a", target, run, result);
        log(`(a) run ${run}/${plan.runs} ${target.label}: ${result.requestsPerSecond.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms`);
      });
    }
  }

  if (scenarios.includes("b")) {
    const config = plan.slowUpstream;
    await upstream.setLatency(config.latencyMs);
    results.b = {};
    const harness = await measureHarness(upstream, { connections: config.connections, amount: config.connections * config.requestsPerConnection });
    harnessChecks.b = harness;
    log(`(b) harness alone: ${harness.requestsPerSecond.toFixed(0)} req/s, p99 ${harness.p99Ms.toFixed(1)} ms`);
    for (let run = 1; run <= plan.runs; run += 1) {
      await forEachTargetRotated(targetsFor(targets, "b"), run, async (target) => {
        const options = { ...loadOptions(target, running.get(target.name)), connections: config.connections };
        await runLoad({ ...options, amount: config.connections * config.warmupPerConnection });
        const result = await measuredLoad(upstream, { ...options, amount: config.connections * config.requestsPerConnection });
        (results.b[target.name] ??= []).push(result);
        record(problems, interference, "b", target, run, result);
        log(`(b) run ${run}/${plan.runs} ${target.label}: ${result.requestsPerSecond.toFixed(0)} req/s, p99 ${result.p99Ms.toFixed(1)} ms`);
      });
    }
  }

  for (const { handle } of running.values()) await handle.stop();
}

/** Checks once, on the long-lived processes, that a 201 and a 204 both come back as the right result. */
async function verifyBothResponses(targets, running) {
  for (const target of targets) {
    const { port } = running.get(target.name);
    for (const skipApproval of [false, true]) {
      const request = revokeRequest(target, skipApproval);
      const response = await postOnce(port, request.path, request.body, request.headers);
      if (response.status < 200 || response.status >= 300 || !request.verify(response.body)) {
        throw new Error(
          `${target.label} returned a wrong result for the upstream's ${skipApproval ? "204 (skipApproval)" : "201"}: HTTP ${response.status} ${response.body.slice(0, 500)}`,
        );
      }
    }
  }
}

/**
 * Waits until the upstream has no open connection, so that the sockets of a target
 * stopped a moment ago are not counted against the next one. Gives up after `timeoutMs`.
 */
async function waitForUpstreamIdle(upstream, timeoutMs = 5_000) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if ((await upstream.stats()).openConnections === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  log(`NOTE: the fake upstream still had open connections ${timeoutMs} ms after the last target stopped`);
}

/** Scenarios (d) and (e): a fresh process per run, timed from spawn, then 10 000 requests. */
async function runFreshProcessScenarios({ targets: allTargets, upstream, plan, scenarios, results, problems, interference }) {
  const targets = targetsFor(allTargets, "d");
  const config = plan.connectionReuse;
  await upstream.setLatency(0);
  if (scenarios.includes("d")) results.d = {};
  if (scenarios.includes("e")) results.e = {};

  for (let run = 1; run <= plan.runs; run += 1) {
    await forEachTargetRotated(targets, run, async (target) => {
      await waitForUpstreamIdle(upstream);
      await upstream.reset();
      const before = await upstream.stats();
      await waitForQuietMachine(upstream);
      const cpuBefore = readCpuTicks([process.pid, upstream.pid]);
      const started = await launch(target, upstream, `fresh-${run}`);
      const coldStartMs = await waitForRevoke(started.handle, started.port, revokeRequest(target));
      const cpuAfter = readCpuTicks([process.pid, upstream.pid, started.handle.pid]);
      if (results.e !== undefined) {
        const coldStart = { coldStartMs, otherProcessesCores: otherProcessesCores(cpuBefore, cpuAfter, os.availableParallelism()) };
        (results.e[target.name] ??= []).push(coldStart);
        record(problems, interference, "e", target, run, coldStart);
      }

      if (results.d !== undefined) {
        const result = await measuredLoad(upstream, { ...loadOptions(target, started), connections: config.connections, amount: config.amount });
        const stats = await upstream.stats();
        const upstreamConnections = stats.connections - before.connections;
        (results.d[target.name] ??= []).push({
          ...result,
          upstreamConnections,
          maxOpenUpstreamConnections: stats.maxOpenConnections,
          upstreamClosedByClient: stats.closedByClient,
          upstreamClosedByServer: stats.closedByServer,
        });
        record(problems, interference, "d", target, run, result);
        log(
          `(d/e) run ${run}/${plan.runs} ${target.label}: cold start ${coldStartMs.toFixed(0)} ms, ` +
            `${upstreamConnections} upstream connections for ${config.amount} requests at ${config.connections} connections ` +
            `(at most ${stats.maxOpenConnections} open at once; closed by the client ${stats.closedByClient}, by the upstream ${stats.closedByServer})`,
        );
      } else {
        log(`(e) run ${run}/${plan.runs} ${target.label}: cold start ${coldStartMs.toFixed(0)} ms`);
      }
      await started.handle.stop();
    });
  }
}

/** Scenario (c): a fresh process per run, 1000 requests held in flight by a slow upstream. */
async function runInFlightScenario({ targets: allTargets, upstream, plan, results, problems, interference }) {
  const targets = targetsFor(allTargets, "c");
  const config = plan.inFlight;
  await upstream.setLatency(0);
  results.c = {};
  for (let run = 1; run <= plan.runs; run += 1) {
    await forEachTargetRotated(targets, run, async (target) => {
      await upstream.setLatency(0);
      const started = await launch(target, upstream, `inflight-${run}`);
      await waitForRevoke(started.handle, started.port, revokeRequest(target));
      const idle = readMemory(started.handle.pid);

      await upstream.setLatency(config.latencyMs);
      await upstream.reset();
      const sampler = sampleMemory(started.handle.pid, 50);
      const result = await measuredLoad(upstream, {
        ...loadOptions(target, started),
        connections: config.connections,
        amount: config.connections * config.requestsPerConnection,
        timeoutSeconds: 60,
      });
      const sampled = sampler.stop();
      const memory = readMemory(started.handle.pid);
      const stats = await upstream.stats();
      (results.c[target.name] ??= []).push({
        ...result,
        idleRssBytes: idle.rssBytes,
        idleFileBytes: idle.fileBytes,
        peakRssBytes: memory.peakRssBytes,
        maxSampledRssBytes: sampled.maxSampledRssBytes,
        anonBytesAtMax: sampled.anonBytesAtMax,
        fileBytesAtMax: sampled.fileBytesAtMax,
        maxInFlightAtUpstream: stats.maxInFlight,
      });
      record(problems, interference, "c", target, run, result);
      log(
        `(c) run ${run}/${plan.runs} ${target.label}: peak RSS ${(memory.peakRssBytes / 1e6).toFixed(1)} MB ` +
          `(idle ${(idle.rssBytes / 1e6).toFixed(1)} MB; largest sample ${(sampled.anonBytesAtMax / 1e6).toFixed(1)} MB anonymous + ` +
          `${(sampled.fileBytesAtMax / 1e6).toFixed(1)} MB file-backed), ${stats.maxInFlight} in flight at the upstream, p99 ${result.p99Ms.toFixed(0)} ms`,
      );
      await started.handle.stop();
    });
  }
  await upstream.setLatency(0);
}

/** Composes the Mesh supergraph for this upstream with mesh-compose and returns its path and the time taken. */
function composeSupergraph(upstream) {
  const output = path.join(WORK_DIR, "supergraph.graphql");
  const logFd = openSync(path.join(LOG_DIR, "mesh-compose.log"), "a");
  const started = performance.now();
  execFileSync(
    process.execPath,
    [path.join(BENCH_DIR, "node_modules", "@graphql-mesh", "compose-cli", "esm", "bin.js"), "-c", "mesh.config.mjs", "-o", output],
    // Its log goes to a file, and execFileSync throws with the exit code when it fails.
    { cwd: path.join(BENCH_DIR, "mesh"), env: { ...process.env, BENCH_UPSTREAM_URL: upstream.baseUrl }, stdio: ["ignore", logFd, logFd] },
  );
  closeSync(logFd);
  return { path: output, composeMs: performance.now() - started };
}

async function main() {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      runs: { type: "string" },
      "service-rev": { type: "string" },
      "service-root": { type: "string" },
      "log-level": { type: "string", default: "info" },
      "service-node-options": { type: "string", default: "" },
      "ignore-other-load": { type: "boolean", default: false },
      targets: { type: "string" },
      scenarios: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (values["service-rev"] !== undefined && values["service-root"] !== undefined) {
    throw new Error("Give --service-rev or --service-root, not both");
  }
  if (!existsSync(path.join(BENCH_DIR, "node_modules", "autocannon"))) {
    throw new Error(`bench/node_modules is missing: run npm ci in ${BENCH_DIR} first`);
  }

  const plan = buildPlan(values.quick, values.runs);
  waitForQuiet = !values["ignore-other-load"];
  const targetNames = parseList(values.targets, ALL_TARGETS, "--targets");
  const scenarios = parseList(values.scenarios, ALL_SCENARIOS, "--scenarios");
  const startedAt = new Date().toISOString();
  const command = ["node", "bench/run.mjs", ...process.argv.slice(2)].join(" ");

  mkdirSync(LOG_DIR, { recursive: true });
  for (const file of readdirSync(LOG_DIR)) rmSync(path.join(LOG_DIR, file));

  const serviceBuild =
    values["service-rev"] !== undefined
      ? buildRevision(REPO_ROOT, WORK_DIR, values["service-rev"], log)
      : useBuild(values["service-root"] === undefined ? REPO_ROOT : path.resolve(values["service-root"]), REPO_ROOT, log);
  for (const warning of serviceBuild.warnings) log(`NOTE: ${warning}`);

  const environment = describeEnvironment({ benchDir: BENCH_DIR, serviceRoot: serviceBuild.root, serviceDescription: serviceBuild.description });
  const nodeFlags = values["service-node-options"] === "" ? "" : `, node flags ${values["service-node-options"]}`;
  log(`Measuring revocation-gateway from ${serviceBuild.description}, LOG_LEVEL=${values["log-level"]}${nodeFlags}, ${plan.runs} runs per scenario`);

  const upstream = await startUpstream();
  const results = {};
  const problems = [];
  const interference = [];
  const harnessChecks = {};
  try {
    // Mesh needs its supergraph composed first; composition is a build step, timed apart.
    let supergraph = { path: "" };
    if (targetNames.includes("peer")) {
      supergraph = composeSupergraph(upstream);
      log(`Composed the Mesh supergraph in ${supergraph.composeMs.toFixed(0)} ms`);
    }
    const definitions = defineTargets({
      serviceRoot: serviceBuild.root,
      supergraphPath: supergraph.path,
      logLevel: values["log-level"],
      serviceNodeOptions: values["service-node-options"].split(" ").filter(Boolean),
    });
    const targets = targetNames.map((name) => definitions[name]);
    const context = { targets, upstream, plan, scenarios, results, problems, interference, harnessChecks };

    if (scenarios.includes("a") || scenarios.includes("b")) await runSteadyScenarios(context);
    if (scenarios.includes("d") || scenarios.includes("e")) await runFreshProcessScenarios(context);
    if (scenarios.includes("c")) await runInFlightScenario(context);
  } finally {
    await stopAll();
    await upstream.stop();
  }

  const checks = evaluateTargets(results, plan);
  const finishedAt = new Date().toISOString();
  const serviceSettings = { logLevel: values["log-level"], nodeOptions: values["service-node-options"] };
  const report = renderReport({
    environment,
    plan,
    results,
    checks,
    command,
    problems,
    interference,
    harnessChecks,
    serviceSettings,
    startedAt,
    finishedAt,
  });
  process.stdout.write(`${report}\n`);

  const stamp = startedAt.replace(/[:.]/g, "-");
  const raw = {
    command,
    startedAt,
    finishedAt,
    logLevel: values["log-level"],
    serviceNodeOptions: values["service-node-options"],
    environment,
    plan,
    harnessChecks,
    results,
    checks,
    problems,
    interference,
  };
  writeFileSync(path.join(WORK_DIR, `results-${stamp}.json`), `${JSON.stringify(raw, null, 2)}\n`);
  writeFileSync(path.join(WORK_DIR, `report-${stamp}.md`), `${report}\n`);
  log(`Wrote ${path.join(WORK_DIR, `report-${stamp}.md`)} and results-${stamp}.json`);
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    log(`${signal}: stopping the target processes`);
    void stopAll().then(() => process.exit(130));
  });
}

main().catch(async (error) => {
  log(`Failed: ${error.stack ?? error.message}`);
  await stopAll();
  process.exit(1);
});
