import { readFileSync } from "node:fs";
import { posix } from "node:path";
import { describe, expect, test } from "@jest/globals";
import { DockerfileParser, type Arg, type Copy, type Env, type Healthcheck, type Instruction } from "dockerfile-ast";
import { loadConfig } from "../src/config/config.js";

// Static checks of the Dockerfile and .dockerignore. scripts/verify-dockerfile.mjs replays the
// build and runs the result, and these tests check the rules that a replay cannot see.

const DOCKERFILE = readFileSync(new URL("../Dockerfile", import.meta.url), "utf8");
const DOCKERIGNORE = readFileSync(new URL("../.dockerignore", import.meta.url), "utf8");
const SERVICE_PORT = loadConfig({}).port;

/** Files the final stage may take from the build stage: the compiled service and what it loads. */
const RUNTIME_FILES = new Set(["package.json", "node_modules", "dist"]);
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL/i;

interface Stage {
  name: string | undefined;
  /** Image reference after ARG defaults are substituted. */
  image: string;
  instructions: Instruction[];
}

interface ParsedDockerfile {
  /** ARG instructions before the first FROM. */
  globalArgs: Arg[];
  stages: Stage[];
}

function parseDockerfile(text: string): ParsedDockerfile {
  const parsed: ParsedDockerfile = { globalArgs: [], stages: [] };
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    const keyword = instruction.getKeyword();
    const current = parsed.stages.at(-1);
    if (keyword === "FROM") {
      const [image = "", as, name] = instruction.getExpandedArguments().map((argument) => argument.getValue());
      parsed.stages.push({ name: as?.toUpperCase() === "AS" ? name : undefined, image, instructions: [] });
    } else if (current) {
      current.instructions.push(instruction);
    } else if (keyword === "ARG") {
      parsed.globalArgs.push(instruction as Arg);
    }
  }
  return parsed;
}

function instructionsOf(stage: Stage | undefined, keyword: string): Instruction[] {
  return (stage?.instructions ?? []).filter((instruction) => instruction.getKeyword() === keyword);
}

function finalStage(parsed: ParsedDockerfile): Stage | undefined {
  return parsed.stages.at(-1);
}

function isStageName(parsed: ParsedDockerfile, reference: string): boolean {
  return parsed.stages.some((stage) => stage.name === reference);
}

function copyFrom(copy: Instruction): string | undefined {
  return (copy as Copy).getFromFlag()?.getValue() ?? undefined;
}

/** Source paths of a COPY or ADD, in shell or JSON form, without the destination. */
function copySources(copy: Instruction): string[] {
  const content = (copy.getArgumentsContent() ?? "").trim();
  const words = content.startsWith("[")
    ? (JSON.parse(content) as string[])
    : copy.getArguments().map((argument) => argument.getValue());
  return words.slice(0, -1);
}

/** Finds the stages that the final stage copies files from. */
function sourceStages(parsed: ParsedDockerfile): Stage[] {
  const names = new Set(instructionsOf(finalStage(parsed), "COPY").map(copyFrom));
  return parsed.stages.filter((stage) => stage.name !== undefined && names.has(stage.name));
}

function runCommands(stage: Stage | undefined): string[] {
  return instructionsOf(stage, "RUN").map((run) => run.getArgumentsContent() ?? "");
}

// ---------------------------------------------------------------------------------------
// Rules. Each returns the problems it finds, so a failure names what is wrong.

function unpinnedBaseImages(parsed: ParsedDockerfile): string[] {
  const problems: string[] = [];
  for (const stage of parsed.stages) {
    if (isStageName(parsed, stage.image)) continue;
    if (stage.image.includes("$")) {
      problems.push(`FROM ${stage.image}: the ARG has no default`);
      continue;
    }
    const [reference = "", digest] = stage.image.split("@");
    const lastSegment = reference.split("/").at(-1) ?? "";
    const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : undefined;
    if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest)) problems.push(`FROM ${stage.image}: malformed digest`);
    if (tag === undefined && digest === undefined) problems.push(`FROM ${stage.image}: no tag, so Docker uses "latest"`);
    if (tag !== undefined && !/^\d+\.\d+\.\d+(-[a-z0-9][a-z0-9.-]*)?$/.test(tag)) {
      problems.push(`FROM ${stage.image}: tag "${tag}" is not an exact version such as 24.18.0-bookworm-slim`);
    }
  }
  return problems;
}

function nonNode24SlimImages(parsed: ParsedDockerfile): string[] {
  return parsed.stages
    .filter((stage) => !isStageName(parsed, stage.image))
    .filter((stage) => !/^(docker\.io\/(library\/)?)?node:24\.\d+\.\d+-[a-z]+-slim(@|$)/.test(stage.image))
    .map((stage) => `FROM ${stage.image}: not a Node 24 slim image`);
}

function multiStageProblems(parsed: ParsedDockerfile): string[] {
  const final = finalStage(parsed);
  if (parsed.stages.length < 2 || !final) return [`${parsed.stages.length} stage(s); expected a build stage and a runtime stage`];
  const problems: string[] = [];
  if (isStageName(parsed, final.image)) problems.push(`the final stage starts FROM stage ${final.image}, so it carries the whole build`);
  if (sourceStages(parsed).length === 0) problems.push("the final stage copies nothing from a build stage");
  return problems;
}

function lockFileInstallProblems(parsed: ParsedDockerfile): string[] {
  const problems: string[] = [];
  const builds = sourceStages(parsed);
  if (builds.length === 0) return ["no build stage found (the final stage has no COPY --from)"];
  for (const stage of builds) {
    const runs = instructionsOf(stage, "RUN");
    const npmCi = runs.findIndex((run) => /\bnpm ci\b/.test(run.getArgumentsContent() ?? ""));
    if (npmCi === -1) problems.push(`stage ${stage.name} does not run npm ci`);
    for (const command of runCommands(stage)) {
      if (/\bnpm (install|i|add)\b/.test(command)) problems.push(`stage ${stage.name} runs "${command}", which may change the lock file; use npm ci`);
    }
    const lockCopy = instructionsOf(stage, "COPY").find((copy) => copySources(copy).some((source) => posix.basename(source) === "package-lock.json"));
    const npmCiLine = runs[npmCi]?.getRange().start.line ?? -1;
    if (!lockCopy || lockCopy.getRange().start.line > npmCiLine) problems.push(`stage ${stage.name} does not copy package-lock.json before npm ci`);
  }
  return problems;
}

function rootUserProblems(parsed: ParsedDockerfile): string[] {
  const user = instructionsOf(finalStage(parsed), "USER").at(-1)?.getArgumentsContent()?.trim();
  if (user === undefined) return ["the final stage has no USER, so it runs as root"];
  const name = user.split(":")[0];
  return name === "root" || name === "0" ? [`the final stage runs as USER ${user}`] : [];
}

function healthcheckProblems(parsed: ParsedDockerfile): string[] {
  const healthchecks = instructionsOf(finalStage(parsed), "HEALTHCHECK") as Healthcheck[];
  if (healthchecks.length !== 1) return [`the final stage has ${healthchecks.length} HEALTHCHECK instructions; expected 1`];
  const [healthcheck] = healthchecks as [Healthcheck];
  if (healthcheck.getSubcommand()?.getValue().toUpperCase() !== "CMD") return ["HEALTHCHECK is not a CMD (NONE disables it)"];
  const command = (healthcheck.getArgumentsContent() ?? "").trim().replace(/^CMD\s+/i, "");
  if (!command.startsWith("[")) return ["HEALTHCHECK uses the shell form; the exec form needs no shell"];
  const argv = JSON.parse(command) as string[];
  const problems: string[] = [];
  if (argv[0] !== "node") problems.push(`HEALTHCHECK runs ${argv[0]}; the slim image has node but no curl or wget`);
  if (!command.includes("/healthz")) problems.push("HEALTHCHECK does not request /healthz");
  return problems;
}

function exposeProblems(parsed: ParsedDockerfile, port: number): string[] {
  const final = finalStage(parsed);
  const exposed = instructionsOf(final, "EXPOSE").flatMap((expose) => expose.getArguments().map((argument) => argument.getValue().replace(/\/tcp$/, "")));
  const problems = exposed.includes(String(port)) ? [] : [`EXPOSE lists ${exposed.join(", ") || "nothing"}; the service listens on ${port}`];
  for (const env of instructionsOf(final, "ENV") as Env[]) {
    for (const property of env.getProperties()) {
      if (property.getName() === "PORT" && property.getValue() !== String(port)) problems.push(`ENV PORT=${property.getValue()} differs from ${port}`);
    }
  }
  return problems;
}

function finalStageCopyProblems(parsed: ParsedDockerfile): string[] {
  const final = finalStage(parsed);
  const problems = instructionsOf(final, "ADD").map((add) => `ADD ${add.getArgumentsContent()}: the final stage should only COPY from the build stage`);
  for (const copy of instructionsOf(final, "COPY")) {
    if (copyFrom(copy) === undefined) problems.push(`COPY ${copy.getArgumentsContent()} copies from the build context, not from the build stage`);
    for (const source of copySources(copy)) {
      if (!RUNTIME_FILES.has(posix.basename(source))) problems.push(`COPY ${source}: only ${[...RUNTIME_FILES].join(", ")} belong in the image`);
    }
  }
  return problems;
}

/** Returns the install commands that would bring devDependencies into the stage. */
function devInstalls(stage: Stage | undefined): string[] {
  return runCommands(stage).filter(
    (command) =>
      /\bnpm (ci|install|i)\b|\byarn( install)?\b|\bpnpm (install|i)\b/.test(command) &&
      !/--omit[= ]dev\b|--production\b|--prod\b/.test(command),
  );
}

function devDependencyProblems(parsed: ParsedDockerfile): string[] {
  const problems = devInstalls(finalStage(parsed)).map((command) => `the final stage runs "${command}" without --omit=dev`);
  for (const stage of sourceStages(parsed)) {
    const commands = runCommands(stage);
    const lastFullInstall = commands.findLastIndex((command) => /\bnpm ci\b/.test(command) && !/--omit[= ]dev\b/.test(command));
    if (lastFullInstall === -1) continue;
    const pruned = commands.slice(lastFullInstall).some((command) => /\bnpm prune\b[^&;|]*--omit[= ]dev\b/.test(command));
    if (!pruned) problems.push(`stage ${stage.name} installs devDependencies and never removes them (npm prune --omit=dev)`);
  }
  return problems;
}

function secretProblems(parsed: ParsedDockerfile): string[] {
  const names = [
    ...parsed.globalArgs.map((arg) => arg.getProperty()?.getName() ?? ""),
    ...parsed.stages.flatMap((stage) => [
      ...(instructionsOf(stage, "ARG") as Arg[]).map((arg) => arg.getProperty()?.getName() ?? ""),
      ...(instructionsOf(stage, "ENV") as Env[]).flatMap((env) => env.getProperties().map((property) => property.getName())),
    ]),
  ];
  const problems = names.filter((name) => SECRET_NAME.test(name)).map((name) => `${name} looks like a secret; image layers and history keep ARG and ENV values`);
  for (const stage of parsed.stages) {
    for (const copy of [...instructionsOf(stage, "COPY"), ...instructionsOf(stage, "ADD")]) {
      for (const source of copySources(copy)) {
        if (/(^|\/)(\.env(\..*)?|\.npmrc)$|\.(pem|key)$/.test(source)) problems.push(`COPY ${source} puts a secret file into a layer`);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// .dockerignore, with Docker's matching: a rule matches a path or any of its parent
// folders, "**" spans folders, and the last matching rule decides.

interface IgnoreRule {
  pattern: string;
  exception: boolean;
  regex: RegExp;
}

function patternToRegExp(pattern: string): RegExp {
  let source = "";
  for (let i = 0; i < pattern.length; i++) {
    const character = pattern[i] ?? "";
    if (pattern.startsWith("**/", i)) {
      source += "(?:.*/)?";
      i += 2;
    } else if (pattern.startsWith("**", i)) {
      source += ".*";
      i += 1;
    } else if (character === "*") {
      source += "[^/]*";
    } else if (character === "?") {
      source += "[^/]";
    } else {
      source += character.replace(/[.+^${}()|[\]\\/]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`);
}

function parseDockerignore(text: string): IgnoreRule[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const exception = line.startsWith("!");
      const pattern = posix.normalize(exception ? line.slice(1).trim() : line).replace(/^\/+|\/+$/g, "");
      return { pattern, exception, regex: patternToRegExp(pattern) };
    });
}

function isIgnored(path: string, rules: IgnoreRule[]): boolean {
  const parts = path.split("/");
  const candidates = parts.map((_part, index) => parts.slice(0, index + 1).join("/"));
  let ignored = false;
  for (const rule of rules) {
    if (candidates.some((candidate) => rule.regex.test(candidate))) ignored = !rule.exception;
  }
  return ignored;
}

// ---------------------------------------------------------------------------------------

describe("Dockerfile", () => {
  const parsed = parseDockerfile(DOCKERFILE);

  test("every base image is pinned", () => {
    expect(unpinnedBaseImages(parsed)).toEqual([]);
  });

  test("base image is Node 24 slim", () => {
    expect(nonNode24SlimImages(parsed)).toEqual([]);
  });

  test("build and runtime are separate stages", () => {
    expect(multiStageProblems(parsed)).toEqual([]);
  });

  test("build stage installs from the lock file", () => {
    expect(lockFileInstallProblems(parsed)).toEqual([]);
  });

  test("final stage runs as a non-root user", () => {
    expect(rootUserProblems(parsed)).toEqual([]);
  });

  test("HEALTHCHECK requests /healthz with node", () => {
    expect(healthcheckProblems(parsed)).toEqual([]);
  });

  test("EXPOSE matches the service port", () => {
    expect(SERVICE_PORT).toBe(4000);
    expect(exposeProblems(parsed, SERVICE_PORT)).toEqual([]);
  });

  test("final stage sets NODE_ENV=production", () => {
    const values = (instructionsOf(finalStage(parsed), "ENV") as Env[]).flatMap((env) =>
      env.getProperties().filter((property) => property.getName() === "NODE_ENV").map((property) => property.getValue()),
    );

    expect(values).toEqual(["production"]);
  });

  test("final stage copies only the build output", () => {
    expect(finalStageCopyProblems(parsed)).toEqual([]);
  });

  test("final stage gets no dev dependencies", () => {
    expect(devDependencyProblems(parsed)).toEqual([]);
  });

  test("ARG and ENV carry no secrets", () => {
    expect(secretProblems(parsed)).toEqual([]);
  });

  test("CMD runs the compiled service", () => {
    const cmd = instructionsOf(finalStage(parsed), "CMD").at(-1)?.getArgumentsContent() ?? "";

    expect(JSON.parse(cmd)).toEqual(["node", "dist/main.js"]);
  });
});

describe(".dockerignore", () => {
  const rules = parseDockerignore(DOCKERIGNORE);

  test("lists .env, .git and node_modules", () => {
    const patterns = rules.filter((rule) => !rule.exception).map((rule) => rule.pattern);

    expect(patterns).toContain(".git");
    expect(patterns).toContain("node_modules");
    expect(patterns.some((pattern) => pattern === ".env" || pattern === "**/.env")).toBe(true);
  });

  test.each([
    ".env",
    ".env.production",
    "src/.env",
    ".git",
    ".git/config",
    "node_modules",
    "node_modules/fastify/package.json",
    "src/node_modules/x.js",
    ".npmrc",
    "tls.pem",
    "src/tls.key",
    "dist/main.js",
    "test/config.test.ts",
    "simulator/demo.ts",
    "bench/run.mjs",
    ".ci/run",
  ])("leaves out %s", (path) => {
    expect(isIgnored(path, rules)).toBe(true);
  });

  test("keeps every file the build stage copies", () => {
    const parsed = parseDockerfile(DOCKERFILE);
    const sources = parsed.stages.flatMap((stage) =>
      instructionsOf(stage, "COPY")
        .filter((copy) => copyFrom(copy) === undefined)
        .flatMap(copySources),
    );

    expect(sources.length).toBeGreaterThan(0);
    for (const source of [...sources, "src/main.ts", "src/config/config.ts"]) {
      expect({ source, ignored: isIgnored(posix.normalize(source), rules) }).toEqual({ source, ignored: false });
    }
  });
});

// The rules above pass on the real Dockerfile, and these cases show that each one can fail.
describe("Dockerfile rules", () => {
  const GOOD = [
    "ARG NODE_IMAGE=node:24.18.0-bookworm-slim",
    "FROM ${NODE_IMAGE} AS build",
    "WORKDIR /app",
    "COPY package.json package-lock.json ./",
    "RUN npm ci",
    "COPY src ./src",
    "RUN npm run build && npm prune --omit=dev",
    "FROM ${NODE_IMAGE} AS runtime",
    "ENV NODE_ENV=production PORT=4000",
    "WORKDIR /app",
    "COPY --from=build /app/package.json ./package.json",
    "COPY --from=build /app/node_modules ./node_modules",
    "COPY --from=build /app/dist ./dist",
    "USER 1000:1000",
    "EXPOSE 4000",
    `HEALTHCHECK CMD ["node", "-e", "fetch('http://127.0.0.1:4000/healthz')"]`,
    `CMD ["node", "dist/main.js"]`,
  ].join("\n");

  const allProblems = (text: string): string[] => {
    const parsed = parseDockerfile(text);
    return [
      ...unpinnedBaseImages(parsed),
      ...nonNode24SlimImages(parsed),
      ...multiStageProblems(parsed),
      ...lockFileInstallProblems(parsed),
      ...rootUserProblems(parsed),
      ...healthcheckProblems(parsed),
      ...exposeProblems(parsed, 4000),
      ...finalStageCopyProblems(parsed),
      ...devDependencyProblems(parsed),
      ...secretProblems(parsed),
    ];
  };

  test("minimal good Dockerfile passes", () => {
    expect(allProblems(GOOD)).toEqual([]);
  });

  test.each([
    ["latest tag", "ARG NODE_IMAGE=node:24.18.0-bookworm-slim", "ARG NODE_IMAGE=node:latest", /not an exact version/],
    ["bare major", "ARG NODE_IMAGE=node:24.18.0-bookworm-slim", "ARG NODE_IMAGE=node:24", /not an exact version/],
    ["major with variant", "ARG NODE_IMAGE=node:24.18.0-bookworm-slim", "ARG NODE_IMAGE=node:24-slim", /not an exact version/],
    ["no tag", "ARG NODE_IMAGE=node:24.18.0-bookworm-slim", "ARG NODE_IMAGE=node", /no tag/],
    ["ARG without default", "ARG NODE_IMAGE=node:24.18.0-bookworm-slim", "ARG NODE_IMAGE", /no default/],
    ["older Node", "ARG NODE_IMAGE=node:24.18.0-bookworm-slim", "ARG NODE_IMAGE=node:22.23.1-bookworm-slim", /not a Node 24 slim image/],
    ["final stage from build", "FROM ${NODE_IMAGE} AS runtime", "FROM build AS runtime", /carries the whole build/],
    ["npm install", "RUN npm ci", "RUN npm install", /use npm ci/],
    ["lock file after install", "COPY package.json package-lock.json ./\nRUN npm ci", "COPY package.json ./\nRUN npm ci\nCOPY package-lock.json ./", /package-lock.json before npm ci/],
    ["no USER", "USER 1000:1000", "", /runs as root/],
    ["USER root", "USER 1000:1000", "USER root", /runs as USER root/],
    ["USER 0", "USER 1000:1000", "USER 0:0", /runs as USER 0:0/],
    ["no HEALTHCHECK", `HEALTHCHECK CMD ["node", "-e", "fetch('http://127.0.0.1:4000/healthz')"]`, "", /0 HEALTHCHECK/],
    ["HEALTHCHECK NONE", `HEALTHCHECK CMD ["node", "-e", "fetch('http://127.0.0.1:4000/healthz')"]`, "HEALTHCHECK NONE", /NONE disables it/],
    ["HEALTHCHECK with curl", `HEALTHCHECK CMD ["node", "-e", "fetch('http://127.0.0.1:4000/healthz')"]`, `HEALTHCHECK CMD ["curl", "-f", "http://127.0.0.1:4000/healthz"]`, /no curl or wget/],
    ["other EXPOSE", "EXPOSE 4000", "EXPOSE 8080", /listens on 4000/],
    ["other PORT", "ENV NODE_ENV=production PORT=4000", "ENV NODE_ENV=production PORT=8080", /PORT=8080 differs/],
    ["source in final stage", "COPY --from=build /app/dist ./dist", "COPY --from=build /app/dist ./dist\nCOPY src ./src", /from the build context/],
    ["tests in final stage", "COPY --from=build /app/dist ./dist", "COPY --from=build /app/dist ./dist\nCOPY --from=build /app/test ./test", /only package.json/],
    ["npm ci in final stage", "USER 1000:1000", "RUN npm ci\nUSER 1000:1000", /without --omit=dev/],
    ["no prune", "RUN npm run build && npm prune --omit=dev", "RUN npm run build", /never removes them/],
    ["secret ENV", "ENV NODE_ENV=production PORT=4000", "ENV NODE_ENV=production PORT=4000 DIGICERT_API_KEY=abc", /DIGICERT_API_KEY looks like a secret/],
    ["secret ARG", "WORKDIR /app\nCOPY package.json", "WORKDIR /app\nARG NPM_TOKEN\nCOPY package.json", /NPM_TOKEN looks like a secret/],
    ["copied .npmrc", "COPY package.json package-lock.json ./", "COPY package.json package-lock.json .npmrc ./", /\.npmrc puts a secret/],
  ])("rejects %s", (_name, search, replacement, expected) => {
    expect(GOOD).toContain(search);
    const problems = allProblems(GOOD.replace(search, replacement));

    expect(problems.join("\n")).toMatch(expected);
  });

  test("npm ci --omit=dev in final stage passes", () => {
    expect(allProblems(GOOD.replace("USER 1000:1000", "RUN npm ci --omit=dev\nUSER 1000:1000"))).toEqual([]);
  });
});
