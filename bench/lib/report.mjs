// Machine facts, package versions, and the tables and pass/fail checks of a run.
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { formatNumber, formatSummary, median, summarize } from "./stats.mjs";

const MB = 1_000_000;

/**
 * Runs during which processes outside the benchmark used more CPU than this, in cores,
 * are listed in the report, because the load generator, the upstream and the target
 * already share the machine's cores.
 */
export const OTHER_CPU_WARNING_CORES = 0.2;

function packageVersion(nodeModules, name) {
  const file = path.join(nodeModules, name, "package.json");
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")).version : "not installed";
}

/** Collects the machine and the versions of everything measured. */
export function describeEnvironment({ benchDir, serviceRoot, serviceDescription }) {
  const cpuModel = os.cpus()[0]?.model ?? "unknown";
  const benchModules = path.join(benchDir, "node_modules");
  const serviceModules = path.join(serviceRoot, "node_modules");
  const servicePackage = JSON.parse(readFileSync(path.join(serviceRoot, "package.json"), "utf8"));
  return {
    cores: os.availableParallelism(),
    cpuModel,
    memoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    service: {
      version: servicePackage.version,
      source: serviceDescription,
      packages: Object.fromEntries(
        ["@apollo/server", "@as-integrations/fastify", "fastify", "got", "type-graphql", "graphql", "pino"].map((name) => [
          name,
          packageVersion(serviceModules, name),
        ]),
      ),
    },
    bench: Object.fromEntries(
      ["autocannon", "@graphql-hive/gateway", "@graphql-hive/gateway-runtime", "@graphql-mesh/compose-cli", "@omnigraph/openapi", "graphql"].map(
        (name) => [name, packageVersion(benchModules, name)],
      ),
    ),
  };
}

const TARGET_NAMES = ["limit", "got-proxy", "graphql-floor", "service", "peer"];
const COLUMN_TITLES = {
  limit: "bare proxy (limit)",
  "got-proxy": "bare proxy with got",
  "graphql-floor": "service without upstream call",
  service: "revocation-gateway",
  peer: "GraphQL Mesh",
};

function metric(results, scenario, target, pick) {
  const runs = results[scenario]?.[target];
  return runs === undefined ? undefined : summarize(runs.map(pick));
}

/** Builds the markdown table of medians with min–max per target. */
function measurementTable(results, plan) {
  const rows = [
    ["a", `(a) 0 ms upstream, ${plan.zeroLatency.connections} connections: req/s`, (run) => run.requestsPerSecond, 0],
    ["a", "(a) p50 latency, ms", (run) => run.p50Ms, 2],
    ["a", "(a) p99 latency, ms", (run) => run.p99Ms, 2],
    ["b", `(b) ${plan.slowUpstream.latencyMs} ms upstream, ${plan.slowUpstream.connections} connections: req/s`, (run) => run.requestsPerSecond, 0],
    ["b", "(b) p99 latency, ms", (run) => run.p99Ms, 1],
    ["c", `(c) ${plan.inFlight.connections} in flight, ${plan.inFlight.latencyMs} ms upstream: peak RSS (VmHWM), MB`, (run) => run.peakRssBytes / MB, 1],
    ["c", "(c) largest RSS sample (every 50 ms): anonymous part, MB", (run) => run.anonBytesAtMax / MB, 1],
    ["c", "(c) largest RSS sample: file-backed part (node binary, libraries), MB", (run) => run.fileBytesAtMax / MB, 1],
    ["c", "(c) RSS when idle after start, MB", (run) => run.idleRssBytes / MB, 1],
    ["c", "(c) most requests in flight at the upstream", (run) => run.maxInFlightAtUpstream, 0],
    ["d", `(d) ${plan.connectionReuse.amount} requests, ${plan.connectionReuse.connections} connections: upstream TCP connections accepted`, (run) => run.upstreamConnections, 0],
    ["d", "(d) most upstream connections open at once", (run) => run.maxOpenUpstreamConnections, 0],
    ["d", "(d) upstream connections the target closed during the run", (run) => run.upstreamClosedByClient, 0],
    ["d", "(d) req/s of that run (fresh process)", (run) => run.requestsPerSecond, 0],
    ["e", "(e) cold start: spawn to first revokeOrder, ms", (run) => run.coldStartMs, 0],
  ];
  const targets = TARGET_NAMES.filter((name) => Object.values(results).some((byTarget) => byTarget[name] !== undefined));
  const lines = [
    `| Measurement | ${targets.map((name) => COLUMN_TITLES[name]).join(" | ")} |`,
    `| --- | ${targets.map(() => "---:").join(" | ")} |`,
  ];
  for (const [scenario, title, pick, decimals] of rows) {
    if (results[scenario] === undefined) continue;
    const cells = targets.map((name) => {
      const summary = metric(results, scenario, name, pick);
      return summary === undefined ? "—" : formatSummary(summary, decimals);
    });
    lines.push(`| ${title} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** Returns the pass/fail checks of the service against its targets, from medians. */
export function evaluateTargets(results, plan) {
  const medianOf = (scenario, target, pick) => {
    const runs = results[scenario]?.[target];
    return runs === undefined ? Number.NaN : median(runs.map(pick));
  };
  const perRunRatios = (scenario, numeratorTarget, denominatorTarget, pick) => {
    const top = results[scenario]?.[numeratorTarget];
    const bottom = results[scenario]?.[denominatorTarget];
    if (top === undefined || bottom === undefined) return [];
    return top.map((run, index) => pick(run) / pick(bottom[index]));
  };
  const rps = (run) => run.requestsPerSecond;
  const p99 = (run) => run.p99Ms;
  const slowBound = (plan.slowUpstream.connections * 1000) / plan.slowUpstream.latencyMs;

  const checks = [];
  // `value` is the number the check compares, and NaN means a target it needs was not
  // measured. `spreadRuns` contains the same quantity per run, shown with `spreadDecimals` decimals.
  const add = (id, title, value, measured, required, passed, spreadRuns = [], spreadDecimals = 2) => {
    const spread = spreadRuns.length > 0 ? summarize(spreadRuns) : undefined;
    const finite = Number.isFinite(value);
    checks.push({ id, title, value, measured: finite ? measured : "n/a", required, passed: finite ? passed : null, spread, spreadDecimals });
  };

  if (results.a !== undefined) {
    const service = medianOf("a", "service", rps);
    const limit = medianOf("a", "limit", rps);
    const peer = medianOf("a", "peer", rps);
    const ratioLimit = service / limit;
    add("a-limit", "(a) throughput vs bare proxy", ratioLimit, `${formatNumber(ratioLimit, 2)}×`, "≥ 0.35×", ratioLimit >= 0.35, perRunRatios("a", "service", "limit", rps));
    const ratioPeer = service / peer;
    add("a-peer", "(a) throughput vs GraphQL Mesh", ratioPeer, `${formatNumber(ratioPeer, 2)}×`, "≥ 8×", ratioPeer >= 8, perRunRatios("a", "service", "peer", rps));
    const latencyRatio = medianOf("a", "peer", p99) / medianOf("a", "service", p99);
    add(
      "a-p99",
      "(a) p99 vs GraphQL Mesh (Mesh p99 ÷ service p99)",
      latencyRatio,
      `${formatNumber(latencyRatio, 2)}×`,
      "≥ 8× (service p99 ≤ 1/8 of Mesh's)",
      latencyRatio >= 8,
      perRunRatios("a", "peer", "service", p99),
    );
  }
  if (results.b !== undefined) {
    const service = medianOf("b", "service", rps);
    const fraction = service / slowBound;
    add(
      "b-rps",
      `(b) throughput vs C/L bound ${formatNumber(slowBound, 0)} req/s`,
      fraction,
      `${formatNumber(service, 0)} req/s = ${formatNumber(fraction * 100, 1)}%`,
      "≥ 95%",
      fraction >= 0.95,
      (results.b.service ?? []).map((run) => (run.requestsPerSecond / slowBound) * 100),
      1,
    );
    const latency = medianOf("b", "service", p99);
    const limit = plan.slowUpstream.latencyMs + 50;
    add("b-p99", "(b) p99 latency", latency, `${formatNumber(latency, 1)} ms`, `≤ ${limit} ms`, latency <= limit, (results.b.service ?? []).map(p99), 1);
  }
  if (results.c !== undefined) {
    const peak = medianOf("c", "service", (run) => run.peakRssBytes) / MB;
    add(
      "c-rss",
      `(c) peak RSS with ${plan.inFlight.connections} in flight`,
      peak,
      `${formatNumber(peak, 1)} MB`,
      "≤ 150 MB",
      peak <= 150,
      (results.c.service ?? []).map((run) => run.peakRssBytes / MB),
      1,
    );
  }
  if (results.d !== undefined) {
    const runs = results.d.service ?? [];
    const accepted = medianOf("d", "service", (run) => run.upstreamConnections);
    const worst = runs.length > 0 ? Math.max(...runs.map((run) => run.upstreamConnections)) : Number.NaN;
    const maxOpen = runs.length > 0 ? Math.max(...runs.map((run) => run.maxOpenUpstreamConnections)) : Number.NaN;
    add(
      "d-conns",
      "(d) upstream connections accepted",
      accepted,
      `${formatNumber(accepted, 0)} (worst run ${formatNumber(worst, 0)}, at most ${formatNumber(maxOpen, 0)} open at once)`,
      `≤ ${plan.connectionReuse.connections} (the concurrency)`,
      accepted <= plan.connectionReuse.connections,
      runs.map((run) => run.upstreamConnections),
      0,
    );
  }
  if (results.e !== undefined) {
    const cold = medianOf("e", "service", (run) => run.coldStartMs);
    add("e-cold", "(e) cold start", cold, `${formatNumber(cold, 0)} ms`, "≤ 1500 ms", cold <= 1500, (results.e.service ?? []).map((run) => run.coldStartMs), 0);
  }
  return checks;
}

function checkTable(checks) {
  const lines = ["| Target | Measured (median) | Per-run min–max | Required | Result |", "| --- | ---: | ---: | --- | --- |"];
  for (const check of checks) {
    const spread =
      check.spread === undefined ? "" : `${formatNumber(check.spread.min, check.spreadDecimals)}–${formatNumber(check.spread.max, check.spreadDecimals)}`;
    let result = "not measured";
    if (check.passed !== null) result = check.passed ? "pass" : "FAIL";
    lines.push(`| ${check.title} | ${check.measured} | ${spread} | ${check.required} | ${result} |`);
  }
  return lines.join("\n");
}

function harnessLines(harnessChecks, plan) {
  const lines = [];
  if (harnessChecks.a !== undefined) {
    const run = harnessChecks.a;
    lines.push(
      `Harness alone (autocannon straight to the fake upstream, one run), (a) load: ${formatNumber(run.requestsPerSecond, 0)} req/s, p50 ${formatNumber(run.p50Ms, 2)} ms, p99 ${formatNumber(run.p99Ms, 2)} ms.`,
    );
  }
  if (harnessChecks.b !== undefined) {
    const run = harnessChecks.b;
    const bound = (plan.slowUpstream.connections * 1000) / plan.slowUpstream.latencyMs;
    lines.push(
      `Harness alone, (b) load: ${formatNumber(run.requestsPerSecond, 0)} req/s (${formatNumber((run.requestsPerSecond / bound) * 100, 1)}% of the bound), p99 ${formatNumber(run.p99Ms, 1)} ms.`,
    );
  }
  return lines;
}

/**
 * Returns the report lines on the two ceilings in (a): the got proxy (only the got call)
 * and the GraphQL floor (only the GraphQL side), each against the bare proxy with the
 * per-run range, and the got proxy against Mesh. The service does both halves, so it
 * cannot beat either.
 */
function ceilingLines(results) {
  const runs = results.a ?? {};
  if (runs.limit === undefined) return [];
  const rps = (target) => median(runs[target].map((run) => run.requestsPerSecond));
  const p99 = (target) => median(runs[target].map((run) => run.p99Ms));
  const perRun = (target) => {
    const ratios = runs[target].map((run, index) => run.requestsPerSecond / runs.limit[index].requestsPerSecond);
    return `${formatNumber(Math.min(...ratios), 2)}–${formatNumber(Math.max(...ratios), 2)} per run`;
  };
  const lines = [];
  if (runs["got-proxy"] !== undefined) {
    const parts = [`${formatNumber(rps("got-proxy") / rps("limit"), 2)}× the bare proxy's throughput (${perRun("got-proxy")})`];
    if (runs.peer !== undefined) {
      parts.push(`${formatNumber(rps("got-proxy") / rps("peer"), 2)}× Mesh's`);
      parts.push(`a p99 ${formatNumber(p99("peer") / p99("got-proxy"), 2)}× lower than Mesh's`);
    }
    lines.push(`Ceiling with got: in (a), the bare proxy with got reached ${parts.join(", ")}.`);
  }
  if (runs["graphql-floor"] !== undefined) {
    lines.push(
      `Ceiling of the GraphQL side: in (a), the service without upstream call reached ${formatNumber(rps("graphql-floor") / rps("limit"), 2)}× the bare proxy's throughput (${perRun("graphql-floor")}).`,
    );
  }
  return lines.length === 0 ? [] : ["", ...lines];
}

/** Renders the whole report of a run as markdown. */
export function renderReport({
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
}) {
  const lines = [
    `Run ${startedAt} to ${finishedAt}: \`${command}\``,
    "",
    `Machine: ${environment.cores} cores (${environment.cpuModel}), ${environment.memoryGiB} GiB, ${environment.kernel}, Node ${environment.node}.`,
    `Service: revocation-gateway ${environment.service.version}, ${environment.service.source}; ` +
      Object.entries(environment.service.packages)
        .map(([name, version]) => `${name} ${version}`)
        .join(", ") +
      ".",
    `Service settings: NODE_ENV=production, LOG_LEVEL=${serviceSettings.logLevel}, node flags: ${serviceSettings.nodeOptions || "none"}; every target writes its logs to a file.`,
    `Bench: ${Object.entries(environment.bench)
      .map(([name, version]) => `${name} ${version}`)
      .join(", ")}.`,
    `${plan.runs} runs per scenario and target; cells are median (min–max), and pass/fail compares medians. MB are 10^6 bytes.`,
    "Rates and latencies leave out the first response on each connection.",
    ...harnessLines(harnessChecks, plan),
    "",
    measurementTable(results, plan),
    "",
    checkTable(checks),
    ...ceilingLines(results),
  ];
  if (problems.length > 0) {
    lines.push("", "Invalid responses:", ...problems.map((problem) => `- ${problem}`));
  } else {
    lines.push("", "Every response in every measured run was a 2xx with the expected body.");
  }
  const otherCores = Object.values(results)
    .flatMap((byTarget) => Object.values(byTarget).flat())
    .map((run) => run.otherProcessesCores)
    .filter((value) => value !== undefined);
  if (otherCores.length > 0) {
    lines.push(
      "",
      `CPU used by processes outside the benchmark during measured runs: median ${formatNumber(median(otherCores), 2)} cores, max ${formatNumber(Math.max(...otherCores), 2)}.`,
    );
  }
  if (interference.length > 0) {
    lines.push(
      `Runs measured while other processes used more than ${OTHER_CPU_WARNING_CORES} cores:`,
      ...interference.map((entry) => `- ${entry}`),
    );
  }
  return lines.join("\n");
}
