#!/usr/bin/env node
// Replays the Dockerfile on this machine, for places without a Docker engine.
//
// It builds the build context by the .dockerignore rules and runs each stage's COPY, WORKDIR,
// ENV and RUN instructions in a temporary directory that stands for that stage's file system.
// Then it starts the final stage's CMD with the final stage's ENV and USER. It passes when the
// HEALTHCHECK command reports healthy, no dev-only dependency reached the final stage, and
// SIGTERM makes the service exit with code 0.
//
// What it cannot check: the base image itself. RUN steps and the service use this machine's
// node and npm, not the image's, and RUN steps see this machine's npm configuration and cache
// so that npm reaches the registry as it does here. Absolute container paths inside a RUN
// command are not translated. Unsupported instructions and flags fail the run rather than
// being skipped.
//
// Usage: node scripts/verify-dockerfile.mjs [path/to/Dockerfile]

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DockerfileParser } from "dockerfile-ast";

const PROJECT_DIR = fileURLToPath(new URL("..", import.meta.url));
/** Upper bound for the whole run, including two npm commands on a cold cache. */
const TOTAL_BUDGET_MS = 15 * 60_000;
const RUN_STEP_TIMEOUT_MS = 10 * 60_000;
/** Bounds for the wait on HEALTHCHECK, whatever its flags set. The floor allows for a slow machine. */
const MIN_HEALTH_WAIT_MS = 10_000;
const MAX_HEALTH_WAIT_MS = 120_000;
const HEALTH_POLL_INTERVAL_MS = 500;
/** The service's own default for SHUTDOWN_GRACE_MS. */
const DEFAULT_SHUTDOWN_GRACE_MS = 25_000;
/** Time allowed past the grace period for the process to exit. */
const EXIT_MARGIN_MS = 5_000;
/** Loopback URL that passes the service's validation. No revocation is sent, so nothing calls it. */
const PLACEHOLDER_DIGICERT_API_URL = "http://127.0.0.1:9/services/v2";
/**
 * Host variables that RUN steps need to find node and npm and to reach the npm registry.
 * Other npm_config_* variables stay out, because `npm run` exports some that describe this
 * repository, such as local_prefix.
 */
const BUILD_TOOL_VARIABLES = /^(PATH|HOME|NODE_EXTRA_CA_CERTS|npm_config_(registry|cafile|userconfig|cache|proxy|https_proxy|noproxy|strict_ssl)|https?_proxy|no_proxy)$/i;

class VerifyError extends Error {}

const fail = (message) => {
  throw new VerifyError(message);
};

function log(message = "") {
  process.stdout.write(`${message}\n`);
}

function seconds(milliseconds) {
  return `${(milliseconds / 1000).toFixed(1)} s`;
}

// ---------------------------------------------------------------------------------------
// Dockerfile parsing

/**
 * Expands $NAME, ${NAME}, ${NAME:-default} and ${NAME:+alternative} as the Dockerfile
 * builder does in ENV, WORKDIR, COPY and USER. An unset variable expands to "".
 */
function expandVariables(text, variables) {
  return text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g, (_match, braced, operator, word, bare) => {
    const value = variables.get(braced ?? bare);
    if (operator === "-") return value ? value : word;
    if (operator === "+") return value ? word : "";
    return value ?? "";
  });
}

/** Splits the Dockerfile into its global ARGs and its stages, in order. */
function parseDockerfile(text) {
  const dockerfile = DockerfileParser.parse(text);
  const globalArgs = new Map();
  const stages = [];
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === "FROM") {
      const [image, as, name] = instruction.getExpandedArguments().map((argument) => argument.getValue());
      if (image === undefined || image.includes("$")) fail(`FROM on line ${lineOf(instruction)} has no image, or uses an ARG without a default`);
      stages.push({
        index: stages.length,
        name: as?.toUpperCase() === "AS" ? name : undefined,
        image,
        instructions: [],
      });
    } else if (stages.length === 0) {
      if (keyword !== "ARG") fail(`${keyword} on line ${lineOf(instruction)} comes before the first FROM; only ARG may`);
      const property = instruction.getProperty();
      if (property) globalArgs.set(property.getName(), property.getValue() ?? "");
    } else {
      stages.at(-1).instructions.push(instruction);
    }
  }
  if (stages.length === 0) fail("the Dockerfile has no FROM instruction");
  return { globalArgs, stages };
}

function lineOf(instruction) {
  return instruction.getRange().start.line + 1;
}

function stageLabel(stage) {
  return stage.name ?? `#${stage.index}`;
}

/**
 * Returns the argv of a RUN, CMD, ENTRYPOINT or HEALTHCHECK command: the JSON array of the
 * exec form, or /bin/sh -c for the shell form.
 */
function commandOf(text) {
  const trimmed = text.trim();
  if (!trimmed.startsWith("[")) return ["/bin/sh", "-c", trimmed];
  let parsed;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    fail(`invalid exec-form command: ${trimmed}`);
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((part) => typeof part === "string")) {
    fail(`an exec-form command must be a non-empty JSON array of strings: ${trimmed}`);
  }
  return parsed;
}

/** Parses a Docker duration such as "15s", "500ms" or "1m30s" into milliseconds. */
function parseDuration(text) {
  const units = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text;
  while (rest.length > 0) {
    const match = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/.exec(rest);
    if (!match) fail(`invalid duration "${text}"`);
    total += Number(match[1]) * units[match[2]];
    rest = rest.slice(match[0].length);
  }
  return total;
}

// ---------------------------------------------------------------------------------------
// .dockerignore

/** Converts one path segment or whole pattern of .dockerignore syntax into a regular expression source. */
function patternSource(pattern) {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const character = pattern[i];
    if (character === "*" && pattern[i + 1] === "*") {
      i++;
      if (pattern[i + 1] === "/") {
        i++;
        source += "(?:.*/)?";
      } else {
        source += ".*";
      }
    } else if (character === "*") {
      source += "[^/]*";
    } else if (character === "?") {
      source += "[^/]";
    } else if (character === "[" && pattern.indexOf("]", i + 1) > i + 1) {
      const end = pattern.indexOf("]", i + 1);
      const members = pattern.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\");
      source += `[${members}]`;
      i = end;
    } else if (character === "\\" && i + 1 < pattern.length) {
      i++;
      source += pattern[i].replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    } else {
      source += character.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
    }
  }
  return source;
}

/** Reads .dockerignore rules: comments and blank lines dropped, "!" marks an exception. */
function parseDockerignore(text) {
  const rules = [];
  for (const rawLine of text.split(/\r?\n/)) {
    let line = rawLine.trim();
    if (line === "" || line.startsWith("#")) continue;
    const exception = line.startsWith("!");
    if (exception) line = line.slice(1).trim();
    const pattern = path.posix.normalize(line).replace(/^\/+/, "").replace(/\/+$/, "");
    if (pattern === "" || pattern === ".") continue;
    rules.push({ exception, pattern, regex: new RegExp(`^${patternSource(pattern)}$`) });
  }
  return rules;
}

/**
 * Tells whether a context path (relative, "/"-separated) is left out of the build context.
 * As in Docker, a rule matches a path or any of its parent folders, and the last matching
 * rule decides.
 */
function isIgnored(relativePath, rules) {
  const parts = relativePath.split("/");
  const candidates = parts.map((_part, index) => parts.slice(0, index + 1).join("/"));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((candidate) => rule.regex.test(candidate))) ignored = !rule.exception;
  }
  return ignored;
}

/** Tells whether an exception rule could let in something below an ignored folder. */
function mayIncludeBelow(folder, rules) {
  const folderParts = folder.split("/");
  return rules.some((rule) => {
    if (!rule.exception) return false;
    const patternParts = rule.pattern.split("/");
    for (let i = 0; i < folderParts.length; i++) {
      const part = patternParts[i];
      if (part === undefined) return false;
      if (part.includes("**")) return true;
      if (!new RegExp(`^${patternSource(part)}$`).test(folderParts[i])) return false;
    }
    return patternParts.length > folderParts.length;
  });
}

/** Copies the files that .dockerignore lets into the build context and returns their relative paths. */
async function snapshotContext(sourceDir, targetDir, rules) {
  const included = [];
  const walk = async (relativeDir) => {
    const entries = await fs.readdir(path.join(sourceDir, relativeDir), { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const relativePath = relativeDir === "" ? entry.name : `${relativeDir}/${entry.name}`;
      const ignored = isIgnored(relativePath, rules);
      if (entry.isDirectory()) {
        if (ignored && !mayIncludeBelow(relativePath, rules)) continue;
        await walk(relativePath);
      } else if (!ignored && (entry.isFile() || entry.isSymbolicLink())) {
        await fs.mkdir(path.join(targetDir, relativeDir), { recursive: true });
        await fs.cp(path.join(sourceDir, relativePath), path.join(targetDir, relativePath), { verbatimSymlinks: true });
        included.push(relativePath);
      }
    }
  };
  await walk("");
  return included;
}

// ---------------------------------------------------------------------------------------
// Processes

const activeChildren = new Set();

/**
 * Starts a command in its own process group, so that a timeout can stop the command and
 * everything it started.
 */
function startProcess(argv, { cwd, env, uid, gid, stdio }) {
  const child = spawn(argv[0], argv.slice(1), { cwd, env, uid, gid, stdio, detached: true });
  activeChildren.add(child);
  child.once("exit", () => activeChildren.delete(child));
  return child;
}

function killGroup(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Resolves with { code, signal } when the child exits, or with undefined after timeoutMs. */
function waitForExit(child, timeoutMs) {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    const timer = setTimeout(() => resolve(undefined), timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
}

/** Runs a command to completion, and kills its process group after timeoutMs. */
async function runToCompletion(argv, options, timeoutMs) {
  const child = startProcess(argv, options);
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const result = await waitForExit(child, timeoutMs);
  if (result === undefined) {
    killGroup(child, "SIGKILL");
    await waitForExit(child, 5_000);
    return { timedOut: true, code: null, signal: "SIGKILL", output };
  }
  return { timedOut: false, ...result, output };
}

async function findFreePort() {
  const server = createServer();
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

// ---------------------------------------------------------------------------------------
// Stage replay

/** Maps an absolute or WORKDIR-relative container path into the stage's directory. */
function hostPath(stage, containerPath) {
  return path.join(stage.root, path.posix.resolve(stage.workdir, containerPath));
}

function stageVariables(stage) {
  return new Map([...stage.args, ...stage.env]);
}

function findStage(stages, reference, beforeIndex) {
  const stage = stages.find((candidate) => candidate.index < beforeIndex && (candidate.name === reference || String(candidate.index) === reference));
  if (!stage) fail(`COPY --from=${reference} names no earlier stage; copying from another image is not supported here`);
  return stage;
}

/** Returns the source paths that one COPY source names, expanding a wildcard in its last segment. */
async function resolveCopySources(baseDir, source) {
  const relative = source.replace(/^\/+/, "");
  const full = path.join(baseDir, relative);
  if (!/[*?[]/.test(relative)) return existsSync(full) ? [full] : [];
  if (/[*?[]/.test(path.posix.dirname(relative))) fail(`wildcards are supported only in the last path segment: ${source}`);
  const folder = path.dirname(full);
  if (!existsSync(folder)) return [];
  const matcher = new RegExp(`^${patternSource(path.posix.basename(relative))}$`);
  const names = (await fs.readdir(folder)).filter((name) => matcher.test(name)).sort();
  return names.map((name) => path.join(folder, name));
}

async function countFiles(target) {
  const stat = await fs.lstat(target);
  if (!stat.isDirectory()) return 1;
  let count = 0;
  for (const entry of await fs.readdir(target)) count += await countFiles(path.join(target, entry));
  return count;
}

async function applyOwnerAndMode(target, uid, gid, mode) {
  if (uid !== undefined) await fs.lchown(target, uid, gid);
  if (mode !== undefined) await fs.chmod(target, mode);
  const stat = await fs.lstat(target);
  if (!stat.isDirectory()) return;
  for (const entry of await fs.readdir(target)) await applyOwnerAndMode(path.join(target, entry), uid, gid, mode);
}

async function replayCopy(stage, instruction, { stages, contextDir }) {
  const variables = stageVariables(stage);
  const flags = new Map(instruction.getFlags().map((flag) => [flag.getName(), flag.getValue() === null ? "" : expandVariables(flag.getValue(), variables)]));
  for (const name of flags.keys()) {
    if (!["from", "chown", "chmod", "link"].includes(name)) fail(`COPY --${name} on line ${lineOf(instruction)} is not supported by this replay`);
  }
  if (instruction.getHeredocs().length > 0) fail(`COPY with a here-document on line ${lineOf(instruction)} is not supported by this replay`);

  const content = instruction.getArgumentsContent() ?? "";
  const words = content.trim().startsWith("[")
    ? commandOf(content)
    : instruction.getArguments().map((argument) => argument.getValue());
  const paths = words.map((word) => expandVariables(word, variables));
  if (paths.length < 2) fail(`COPY on line ${lineOf(instruction)} needs a source and a destination`);
  const destination = paths.pop();

  const from = flags.get("from");
  const sourceBase = from === undefined ? contextDir : findStage(stages, from, stage.index).root;
  const sources = [];
  for (const source of paths) {
    const matches = await resolveCopySources(sourceBase, source);
    if (matches.length === 0) {
      const where = from === undefined ? "the build context (left out by .dockerignore, or missing)" : `stage ${from}`;
      fail(`COPY on line ${lineOf(instruction)}: "${source}" is not in ${where}`);
    }
    sources.push(...matches);
  }

  const target = hostPath(stage, destination);
  const targetIsFolder = destination.endsWith("/") || (existsSync(target) && (await fs.stat(target)).isDirectory());
  if (sources.length > 1 && !targetIsFolder) fail(`COPY on line ${lineOf(instruction)} has several sources, so its destination must end with "/"`);

  let [uid, gid] = [undefined, undefined];
  const chown = flags.get("chown");
  if (chown !== undefined) {
    const [user, group = user] = chown.split(":");
    if (!/^\d+$/.test(user) || !/^\d+$/.test(group)) fail(`COPY --chown=${chown}: only numeric uid:gid is supported by this replay`);
    if (process.getuid?.() === 0) [uid, gid] = [Number(user), Number(group)];
    else log(`    note: --chown=${chown} not applied, because changing owners needs root`);
  }
  const chmod = flags.get("chmod");
  const mode = chmod === undefined ? undefined : Number.parseInt(chmod, 8);

  let fileCount = 0;
  for (const source of sources) {
    const isFolder = (await fs.stat(source)).isDirectory();
    const copyTarget = isFolder || !targetIsFolder ? target : path.join(target, path.basename(source));
    await fs.mkdir(isFolder ? copyTarget : path.dirname(copyTarget), { recursive: true });
    await fs.cp(source, copyTarget, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
    await applyOwnerAndMode(copyTarget, uid, gid, mode);
    fileCount += await countFiles(copyTarget);
  }
  log(`    COPY ${flags.size > 0 ? `${instruction.getFlags().map(String).join(" ")} ` : ""}${content.trim()}  (${fileCount} ${fileCount === 1 ? "file" : "files"})`);
}

/** Builds the environment of a RUN step: the build tools' host variables, then the stage's ARGs and ENV. */
function runEnvironment(stage) {
  const host = Object.fromEntries(Object.entries(process.env).filter(([name]) => BUILD_TOOL_VARIABLES.test(name)));
  return { ...host, ...Object.fromEntries(stage.args), ...Object.fromEntries(stage.env) };
}

async function replayRun(stage, instruction, budget) {
  if (instruction.getFlags().length > 0) fail(`RUN flags on line ${lineOf(instruction)} (${instruction.getFlags().map(String).join(" ")}) are not supported by this replay`);
  if (instruction.getHeredocs().length > 0) fail(`RUN with a here-document on line ${lineOf(instruction)} is not supported by this replay`);
  const content = instruction.getArgumentsContent() ?? "";
  const argv = commandOf(content);
  const cwd = hostPath(stage, ".");
  await fs.mkdir(cwd, { recursive: true });

  log(`    RUN ${content.trim()}`);
  const started = Date.now();
  const child = startProcess(argv, { cwd, env: runEnvironment(stage), stdio: ["ignore", "inherit", "inherit"] });
  const result = await waitForExit(child, Math.min(RUN_STEP_TIMEOUT_MS, budget.remaining()));
  if (result === undefined) {
    killGroup(child, "SIGKILL");
    await waitForExit(child, 5_000);
    fail(`RUN on line ${lineOf(instruction)} timed out after ${seconds(Date.now() - started)}`);
  }
  if (result.code !== 0) fail(`RUN on line ${lineOf(instruction)} failed with ${result.signal ? `signal ${result.signal}` : `exit code ${result.code}`}`);
  log(`    RUN finished in ${seconds(Date.now() - started)}`);
}

/**
 * Replays one stage's instructions in a fresh directory. A stage built FROM an earlier stage
 * starts from a copy of that stage's files, and one built from an image starts empty.
 */
async function replayStage(stage, { stages, globalArgs, contextDir, workDir, budget }) {
  stage.root = path.join(workDir, `stage-${stage.index}-${stage.name ?? "unnamed"}`);
  stage.args = new Map();
  stage.env = new Map();
  stage.workdir = "/";

  const parent = stages.find((candidate) => candidate.index < stage.index && candidate.name === stage.image);
  if (parent) {
    await fs.cp(parent.root, stage.root, { recursive: true, verbatimSymlinks: true });
    stage.env = new Map(parent.env);
    stage.workdir = parent.workdir;
    stage.user = parent.user;
    log(`==> Stage ${stageLabel(stage)}: FROM stage ${parent.name}`);
  } else {
    await fs.mkdir(stage.root, { recursive: true });
    log(`==> Stage ${stageLabel(stage)}: FROM ${stage.image} (the image itself is not replayed: this machine's node ${process.version} stands in for it)`);
  }

  for (const instruction of stage.instructions) {
    const keyword = instruction.getKeyword();
    const variables = stageVariables(stage);
    switch (keyword) {
      case "ARG": {
        const property = instruction.getProperty();
        if (!property) break;
        const name = property.getName();
        const value = property.getValue() ?? globalArgs.get(name) ?? "";
        stage.args.set(name, expandVariables(value, variables));
        break;
      }
      case "ENV":
        // As in Docker, every value expands with the variables from before this instruction.
        for (const property of instruction.getProperties()) {
          stage.env.set(property.getName(), expandVariables(property.getValue() ?? "", variables));
        }
        log(`    ENV ${[...stage.env].map(([name, value]) => `${name}=${value}`).join(" ")}`);
        break;
      case "WORKDIR":
        stage.workdir = path.posix.resolve(stage.workdir, expandVariables(instruction.getArgumentsContent() ?? "", variables).trim());
        await fs.mkdir(hostPath(stage, "."), { recursive: true });
        log(`    WORKDIR ${stage.workdir}`);
        break;
      case "COPY":
        await replayCopy(stage, instruction, { stages, contextDir });
        break;
      case "RUN":
        await replayRun(stage, instruction, budget);
        break;
      case "USER":
        stage.user = expandVariables(instruction.getArgumentsContent() ?? "", variables).trim();
        break;
      case "EXPOSE":
      case "LABEL":
      case "STOPSIGNAL":
        break;
      case "CMD":
        stage.cmd = commandOf(instruction.getArgumentsContent() ?? "");
        break;
      case "ENTRYPOINT":
        stage.entrypoint = instruction.getArgumentsContent() ?? "";
        break;
      case "HEALTHCHECK":
        stage.healthcheck = instruction;
        break;
      default:
        fail(`${keyword} on line ${lineOf(instruction)} is not supported by this replay`);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Checks on the final stage

/** Returns the container's argv as Docker combines ENTRYPOINT and CMD. */
function containerCommand(stage) {
  if (stage.entrypoint === undefined) {
    if (!stage.cmd) fail("the final stage has neither CMD nor ENTRYPOINT");
    return stage.cmd;
  }
  const entrypoint = commandOf(stage.entrypoint);
  // A shell-form ENTRYPOINT ignores CMD.
  if (!stage.entrypoint.trim().startsWith("[")) return entrypoint;
  return [...entrypoint, ...(stage.cmd ?? [])];
}

/** Reads the final stage's HEALTHCHECK: its command and the timing flags Docker would use. */
function healthcheckOf(stage) {
  const instruction = stage.healthcheck;
  if (!instruction) fail("the final stage has no HEALTHCHECK");
  const subcommand = instruction.getSubcommand()?.getValue().toUpperCase();
  if (subcommand !== "CMD") fail("the final stage's HEALTHCHECK is NONE or malformed");
  const flags = new Map(instruction.getFlags().map((flag) => [flag.getName(), flag.getValue() ?? ""]));
  const commandText = (instruction.getArgumentsContent() ?? "").trim().replace(/^CMD\s+/i, "");
  return {
    argv: commandOf(commandText),
    intervalMs: parseDuration(flags.get("interval") ?? "30s"),
    timeoutMs: parseDuration(flags.get("timeout") ?? "30s"),
    startPeriodMs: parseDuration(flags.get("start-period") ?? "0s"),
    retries: Number(flags.get("retries") ?? "3"),
  };
}

/** Resolves the final stage's USER to a uid and gid this process can switch to, if any. */
function processUser(stage) {
  const user = stage.user ?? "";
  if (user === "") return { description: "root (no USER)" };
  const [name, group = name] = user.split(":");
  if (!/^\d+$/.test(name) || !/^\d+$/.test(group)) {
    log(`    note: USER ${user} is a name, which only the image's /etc/passwd resolves; the service runs as this machine's user`);
    return { description: user };
  }
  if (process.getuid?.() !== 0) {
    log(`    note: USER ${user} not applied, because switching users needs root; the service runs as uid ${process.getuid?.()}`);
    return { description: user };
  }
  return { uid: Number(name), gid: Number(group), description: user };
}

/**
 * Checks that the final stage's node_modules contains every production dependency and no
 * package that the lock file marks dev-only. A devDependency that a production dependency
 * also needs is not dev-only, so npm keeps it, and it is reported as kept.
 */
async function checkDependencies(appDir, contextDir) {
  const manifest = JSON.parse(await fs.readFile(path.join(contextDir, "package.json"), "utf8"));
  const lock = JSON.parse(await fs.readFile(path.join(contextDir, "package-lock.json"), "utf8"));
  const nodeModules = path.join(appDir, "node_modules");
  if (!existsSync(nodeModules)) fail(`the final stage has no node_modules in its WORKDIR (${appDir})`);

  const missing = Object.keys(manifest.dependencies ?? {}).filter((name) => !existsSync(path.join(nodeModules, name)));
  if (missing.length > 0) fail(`production dependencies missing from the final stage: ${missing.join(", ")}`);
  log(`    all ${Object.keys(manifest.dependencies ?? {}).length} production dependencies are present`);

  const devOnlyPaths = Object.entries(lock.packages ?? {})
    .filter(([key, entry]) => key.startsWith("node_modules/") && entry.dev === true)
    .map(([key]) => key);
  const leftovers = devOnlyPaths.filter((key) => existsSync(path.join(appDir, key)));
  if (leftovers.length > 0) {
    fail(`${leftovers.length} dev-only packages reached the final stage, for example: ${leftovers.slice(0, 10).join(", ")}`);
  }
  log(`    none of the ${devOnlyPaths.length} packages the lock file marks dev-only is present`);

  for (const name of Object.keys(manifest.devDependencies ?? {})) {
    if (!existsSync(path.join(nodeModules, name))) continue;
    const entry = lock.packages?.[`node_modules/${name}`];
    if (entry?.dev === true) fail(`devDependency ${name} is in the final stage's node_modules`);
    log(`    devDependency ${name} is present because a production dependency also needs it (not dev-only in the lock file)`);
  }
}

async function waitUntilHealthy(service, healthcheck, options, progress) {
  const dockerDeadlineMs = healthcheck.startPeriodMs + healthcheck.intervalMs * healthcheck.retries;
  const deadlineMs = Math.min(MAX_HEALTH_WAIT_MS, Math.max(MIN_HEALTH_WAIT_MS, dockerDeadlineMs));
  log(`==> HEALTHCHECK: ${healthcheck.argv.join(" ")}`);
  log(`    Docker runs it every ${seconds(healthcheck.intervalMs)} and marks the container unhealthy after about ${seconds(dockerDeadlineMs)}; this replay runs it every ${seconds(HEALTH_POLL_INTERVAL_MS)} for up to ${seconds(deadlineMs)}`);
  const started = Date.now();
  let attempts = 0;
  let last;
  while (Date.now() - started < deadlineMs && !progress.abandoned) {
    if (service.exitCode !== null || service.signalCode !== null) {
      fail(`the service exited before it was healthy (${service.signalCode ? `signal ${service.signalCode}` : `exit code ${service.exitCode}`})`);
    }
    attempts++;
    last = await runToCompletion(healthcheck.argv, { ...options, stdio: ["ignore", "pipe", "pipe"] }, healthcheck.timeoutMs);
    if (last.code === 0) {
      log(`    healthy after ${seconds(Date.now() - started)} (attempt ${attempts})`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_INTERVAL_MS));
  }
  const detail = last?.timedOut ? "timed out" : `exit code ${last?.code}`;
  fail(`HEALTHCHECK did not pass within ${seconds(deadlineMs)} (${attempts} attempts, last: ${detail}${last?.output ? `, output: ${last.output.trim()}` : ""})`);
}

/** Logs the HTTP status of /readyz and /metrics. Neither affects the result. */
async function reportOptionalEndpoints(port) {
  for (const endpoint of ["/readyz", "/metrics"]) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${endpoint}`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      log(`    GET ${endpoint}: ${response.status} (information only)`);
    } catch (error) {
      log(`    GET ${endpoint}: failed, ${error instanceof Error ? error.message : String(error)} (information only)`);
    }
  }
}

async function residentMemory(pid) {
  try {
    const status = await fs.readFile(`/proc/${pid}/status`, "utf8");
    return /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  } catch {
    return undefined;
  }
}

async function runFinalStage(stage, contextDir) {
  const appDir = hostPath(stage, ".");
  log(`==> Final stage ${stageLabel(stage)}: files in ${stage.workdir}: ${(await fs.readdir(appDir)).sort().join(", ")}`);
  await checkDependencies(appDir, contextDir);

  const port = await findFreePort();
  const env = {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    ...Object.fromEntries(stage.env),
    PORT: String(port),
    HOST: "127.0.0.1",
    DIGICERT_API_URL: PLACEHOLDER_DIGICERT_API_URL,
  };
  const user = processUser(stage);
  const options = { cwd: appDir, env, uid: user.uid, gid: user.gid };
  const argv = containerCommand(stage);
  const healthcheck = healthcheckOf(stage);

  log(`==> Start: ${argv.join(" ")} in ${stage.workdir} as ${user.description}${user.uid === undefined ? "" : " (applied)"}`);
  log(`    env: ${Object.entries(env).filter(([name]) => name !== "PATH").map(([name, value]) => `${name}=${value}`).join(" ")}`);
  const service = startProcess(argv, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  const serviceOutput = [];
  const collect = (chunk) => serviceOutput.push(...chunk.toString().split("\n").filter((line) => line !== ""));
  service.stdout.on("data", collect);
  service.stderr.on("data", collect);
  const spawnError = new Promise((_resolve, reject) => service.once("error", reject));
  spawnError.catch(() => {});
  const progress = { abandoned: false };

  try {
    await Promise.race([waitUntilHealthy(service, healthcheck, options, progress), spawnError]);
    const rss = await residentMemory(service.pid);
    if (rss) log(`    resident memory of the idle service: ${(Number(rss) / 1024).toFixed(0)} MiB (node ${process.version})`);
    await reportOptionalEndpoints(port);

    const graceMs = Number(stage.env.get("SHUTDOWN_GRACE_MS") ?? DEFAULT_SHUTDOWN_GRACE_MS);
    log(`==> SIGTERM: expecting exit code 0 within ${seconds(graceMs + EXIT_MARGIN_MS)}`);
    const signalled = Date.now();
    service.kill("SIGTERM");
    const result = await waitForExit(service, graceMs + EXIT_MARGIN_MS);
    if (result === undefined) fail(`the service did not exit within ${seconds(graceMs + EXIT_MARGIN_MS)} of SIGTERM`);
    if (result.code !== 0) fail(`the service exited with ${result.signal ? `signal ${result.signal}` : `exit code ${result.code}`} after SIGTERM`);
    log(`    exited with code 0 after ${seconds(Date.now() - signalled)}`);
  } finally {
    progress.abandoned = true;
    killGroup(service, "SIGKILL");
    log(serviceOutput.length === 0 ? "    service output: none" : `    service output (last ${Math.min(40, serviceOutput.length)} lines):`);
    for (const line of serviceOutput.slice(-40)) log(`    | ${line}`);
  }
}

// ---------------------------------------------------------------------------------------
// Main

async function main() {
  const started = Date.now();
  const dockerfilePath = path.resolve(process.argv[2] ?? path.join(PROJECT_DIR, "Dockerfile"));
  const contextSource = path.dirname(dockerfilePath);
  const budget = { remaining: () => Math.max(1_000, TOTAL_BUDGET_MS - (Date.now() - started)) };

  log(`verify-dockerfile: replaying ${dockerfilePath} without a Docker engine`);
  const { globalArgs, stages } = parseDockerfile(await fs.readFile(dockerfilePath, "utf8"));
  log(`==> Parsed ${stages.length} stages: ${stages.map((stage) => `${stageLabel(stage)} FROM ${stage.image}`).join("; ")}`);

  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), "verify-dockerfile-"));
  // The service may run as an unprivileged user, who must be able to enter these folders.
  await fs.chmod(workDir, 0o755);
  const cleanup = async () => {
    for (const child of activeChildren) killGroup(child, "SIGKILL");
    await fs.rm(workDir, { recursive: true, force: true });
  };

  const budgetTimer = setTimeout(() => {
    log(`FAILED: the run took longer than its ${seconds(TOTAL_BUDGET_MS)} budget`);
    for (const child of activeChildren) killGroup(child, "SIGKILL");
    fs.rm(workDir, { recursive: true, force: true }).finally(() => process.exit(1));
  }, TOTAL_BUDGET_MS);
  budgetTimer.unref();
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.once(signal, () => {
      log(`FAILED: interrupted by ${signal}`);
      cleanup().finally(() => process.exit(1));
    });
  }

  try {
    const ignorePath = path.join(contextSource, ".dockerignore");
    const rules = existsSync(ignorePath) ? parseDockerignore(await fs.readFile(ignorePath, "utf8")) : [];
    const contextDir = path.join(workDir, "context");
    await fs.mkdir(contextDir);
    const contextFiles = await snapshotContext(contextSource, contextDir, rules);
    const topLevel = [...new Set(contextFiles.map((file) => file.split("/")[0]))];
    log(`==> Build context: ${contextFiles.length} files after ${rules.length} .dockerignore rules: ${topLevel.join(", ")}`);

    for (const stage of stages) {
      await replayStage(stage, { stages, globalArgs, contextDir, workDir, budget });
    }
    await runFinalStage(stages.at(-1), contextDir);
    log(`verify-dockerfile: OK in ${seconds(Date.now() - started)}`);
  } finally {
    clearTimeout(budgetTimer);
    await cleanup();
  }
}

try {
  await main();
} catch (error) {
  log(`FAILED: ${error instanceof VerifyError ? error.message : (error?.stack ?? String(error))}`);
  process.exitCode = 1;
}
