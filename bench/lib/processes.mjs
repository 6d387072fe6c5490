// Child processes of the benchmark: the fake upstream, the targets, and what is read
// from them (readiness, memory from /proc).
import { fork, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { fileURLToPath } from "node:url";

const UPSTREAM_SCRIPT = fileURLToPath(new URL("./upstream.mjs", import.meta.url));

/** Returns a TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a process with its standard output and error appended to `logFile`, so the
 * benchmark's own event loop never reads the target's logs.
 */
export function startProcess({ command, args, cwd, env, logFile }) {
  const logFd = openSync(logFile, "a");
  const spawnedAt = performance.now();
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", logFd, logFd] });
  closeSync(logFd);

  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  let stopping = false;

  return {
    child,
    pid: child.pid,
    spawnedAt,
    exited,
    get stopping() {
      return stopping;
    },
    /** Sends SIGTERM, and SIGKILL when the process has not exited after `graceMs`. */
    async stop(graceMs = 10_000) {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Sends one POST over a new connection and returns the status and body. */
export function postOnce(port, path, body, headers, timeoutMs = 5_000) {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        agent: false,
        timeout: timeoutMs,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), ...headers },
      },
      (response) => {
        const chunks = [];
        response.on("data", (chunk) => chunks.push(chunk));
        response.on("end", () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`POST 127.0.0.1:${port}${path} timed out after ${timeoutMs} ms`)));
    request.on("error", reject);
    request.end(body);
  });
}

/**
 * Sends the revoke request every `intervalMs` until one gets a 2xx response that `verify`
 * accepts, and returns the milliseconds from the process spawn to that response. Fails
 * when the process exits first or `deadlineMs` passes.
 */
export async function waitForRevoke(processHandle, port, request, { intervalMs = 5, deadlineMs = 60_000 } = {}) {
  let lastProblem = "no response yet";
  let exited = false;
  void processHandle.exited.then(() => {
    exited = true;
  });

  while (performance.now() - processHandle.spawnedAt < deadlineMs) {
    if (exited) {
      throw new Error(`${request.label} exited before its first revokeOrder succeeded (last attempt: ${lastProblem}). Read its log in bench/.work/logs/.`);
    }
    try {
      const response = await postOnce(port, request.path, request.body, request.headers);
      if (response.status >= 200 && response.status < 300 && request.verify(response.body)) {
        return performance.now() - processHandle.spawnedAt;
      }
      lastProblem = `HTTP ${response.status}: ${response.body.slice(0, 300)}`;
    } catch (error) {
      lastProblem = error.code ?? error.message;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`${request.label} returned no valid revokeOrder result within ${deadlineMs} ms of its start (last attempt: ${lastProblem})`);
}

/**
 * Reads VmRSS, VmHWM (peak resident set) and the two parts of VmRSS of a process from
 * /proc, in bytes: RssAnon (heap, stacks, buffers) and RssFile (mapped files, mostly the
 * node binary's own pages).
 */
export function readMemory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(status);
    if (match === null) throw new Error(`/proc/${pid}/status has no ${name} line`);
    return Number(match[1]) * 1024;
  };
  return { rssBytes: field("VmRSS"), peakRssBytes: field("VmHWM"), anonBytes: field("RssAnon"), fileBytes: field("RssFile") };
}

/**
 * Reads CPU time counters: machine-wide busy and total ticks from /proc/stat, and the
 * ticks (user + system, all threads) of the given processes. A process that has
 * exited counts as 0, so pass the same living processes to both snapshots.
 */
export function readCpuTicks(pids) {
  const fields = readFileSync("/proc/stat", "utf8").split("\n", 1)[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are the only non-busy ones.
  const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
  const busy = total - fields[3] - fields[4];
  let ours = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      // Fields after the command name, which sits in brackets and may contain spaces.
      const after = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ours += Number(after[11]) + Number(after[12]);
    } catch {
      // The process has exited.
    }
  }
  return { busy, total, ours };
}

/**
 * Returns the CPU cores that processes other than `pids` used on average between two
 * readCpuTicks snapshots, such as another user's build running during a measurement.
 */
export function otherProcessesCores(before, after, cores) {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  const others = after.busy - before.busy - (after.ours - before.ours);
  return Math.max(0, (others / total) * cores);
}

/**
 * Samples VmRSS every `intervalMs` until stopped. VmHWM is the kernel's exact peak, and
 * the samples show whether that peak came from the load or from start-up, and how the
 * largest sample splits into RssAnon and RssFile.
 */
export function sampleMemory(pid, intervalMs = 100) {
  let largest = { rssBytes: 0, anonBytes: 0, fileBytes: 0 };
  let samples = 0;
  const take = () => {
    try {
      const memory = readMemory(pid);
      if (memory.rssBytes > largest.rssBytes) largest = memory;
      samples += 1;
    } catch {
      // The process has exited, so the samples taken so far are the result.
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { maxSampledRssBytes: largest.rssBytes, anonBytesAtMax: largest.anonBytes, fileBytesAtMax: largest.fileBytes, samples };
    },
  };
}

/**
 * Starts the fake upstream (upstream.mjs) as a child process and returns its base URL
 * and controls. The upstream replies to control messages in order, so one is sent at a time.
 */
export async function startUpstream() {
  const child = fork(UPSTREAM_SCRIPT, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const replies = [];
  const waiting = [];
  child.on("message", (message) => {
    const next = waiting.shift();
    if (next === undefined) {
      replies.push(message);
    } else {
      next(message);
    }
  });
  const nextReply = () => (replies.length > 0 ? Promise.resolve(replies.shift()) : new Promise((resolve) => waiting.push(resolve)));

  const listening = await Promise.race([
    nextReply(),
    new Promise((_, reject) => child.once("exit", (code) => reject(new Error(`the fake upstream exited with code ${code} before listening`)))),
  ]);
  if (listening.type !== "listening") throw new Error(`the fake upstream sent ${JSON.stringify(listening)} instead of its port`);

  let queue = Promise.resolve();
  const ask = (message, expectedType) => {
    const replied = queue.then(async () => {
      child.send(message);
      const reply = await nextReply();
      if (reply.type !== expectedType) throw new Error(`the fake upstream replied to ${JSON.stringify(message)} with ${JSON.stringify(reply)}`);
      return reply;
    });
    queue = replied.catch(() => undefined);
    return replied;
  };

  return {
    port: listening.port,
    pid: child.pid,
    baseUrl: `http://127.0.0.1:${listening.port}/services/v2`,
    setLatency: (latencyMs) => ask({ type: "set-latency", latencyMs }, "latency-set"),
    stats: () => ask({ type: "stats" }, "stats"),
    reset: () => ask({ type: "reset" }, "reset"),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once("exit", () => resolve());
        child.disconnect();
      }),
  };
}
