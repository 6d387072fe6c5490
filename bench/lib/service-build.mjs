// Finds or builds the revocation-gateway to measure: the working tree's dist/, or a
// snapshot of one git revision built under bench/.work/.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** Returns the newest modification time (ms) of the files under a folder. */
function newestMtime(folder) {
  let newest = 0;
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

function git(repoRoot, ...args) {
  return execFileSync("git", ["-C", repoRoot, ...args], { encoding: "utf8" }).trim();
}

/**
 * Uses the build in `root`/dist. For the repository root it runs `npm run build` when
 * dist/main.js is missing, warns when src/ changed after the last build and names the
 * commit. Another folder must hold a built dist/main.js, package.json and node_modules.
 * Returns { root, description, warnings }.
 */
export function useBuild(root, repoRoot, log) {
  const warnings = [];
  const main = path.join(root, "dist", "main.js");
  if (root !== repoRoot) {
    if (!existsSync(main)) throw new Error(`${main} does not exist: --service-root needs a folder with a built dist/main.js`);
    return { root, description: `the build in ${root}`, warnings };
  }

  if (!existsSync(main)) {
    log(`dist/main.js is missing: running npm run build in ${root}`);
    const build = spawnSync("npm", ["run", "build"], { cwd: root, stdio: "inherit" });
    if (build.status !== 0) {
      throw new Error(
        `npm run build failed with exit code ${build.status} in ${root}. Fix the build, or measure a committed revision with --service-rev HEAD.`,
      );
    }
  } else if (newestMtime(path.join(root, "src")) > statSync(main).mtimeMs) {
    warnings.push("src/ changed after dist/ was built: the numbers are for the older build. Run npm run build first.");
  }

  let description = "working tree dist/";
  try {
    const head = git(root, "rev-parse", "HEAD");
    const dirty = git(root, "status", "--porcelain", "--", "src", "package.json", "package-lock.json") !== "";
    description = `working tree dist/ at ${head.slice(0, 12)}${dirty ? " with uncommitted changes in src/ or package files" : ""}`;
  } catch {
    // Not a git checkout, so the description names no commit.
  }
  return { root, description, warnings };
}

/**
 * Exports `revision` with git archive into bench/.work/service-<sha>/, installs its own
 * package-lock.json there with npm ci and compiles it with npm run build. Neither the
 * working tree nor its node_modules is used, so edits in progress there change nothing.
 * A snapshot that was built before is reused. Returns { root, description, warnings }.
 */
export function buildRevision(repoRoot, workDir, revision, log) {
  const sha = git(repoRoot, "rev-parse", "--verify", `${revision}^{commit}`);
  const root = path.join(workDir, `service-${sha.slice(0, 12)}`);
  const warnings = [];

  if (!existsSync(path.join(root, "dist", "main.js"))) {
    log(`Building revision ${sha.slice(0, 12)} in ${root}`);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    const files = ["package.json", "package-lock.json", "tsconfig.json", "tsconfig.build.json", "src"];
    const archive = execFileSync("git", ["-C", repoRoot, "archive", "--format=tar", sha, "--", ...files], { maxBuffer: 64 * 1024 * 1024 });
    const unpack = spawnSync("tar", ["-x", "-C", root], { input: archive, stdio: ["pipe", "inherit", "inherit"] });
    if (unpack.status !== 0) throw new Error(`tar could not unpack revision ${sha} into ${root} (exit code ${unpack.status})`);

    for (const [command, args] of [
      ["npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"]],
      ["npm", ["run", "build"]],
    ]) {
      const step = spawnSync(command, args, { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
      if (step.status !== 0) {
        rmSync(path.join(root, "dist"), { recursive: true, force: true });
        throw new Error(`${command} ${args.join(" ")} failed with exit code ${step.status} for revision ${sha} in ${root}`);
      }
    }
  }
  return { root, description: `revision ${sha.slice(0, 12)} (built from git with its own npm ci, working tree untouched)`, warnings };
}

/** Imports a module of the built service, such as `http/server.js`, from DIR/dist. */
export function importFromBuild(root, file) {
  return import(pathToFileURL(path.join(root, "dist", file)).href);
}

/** Returns SERVICE_ROOT, which a script spawned by the benchmark needs to find the built service. */
export function serviceRootFromEnvironment() {
  const root = process.env.SERVICE_ROOT ?? "";
  if (root === "") throw new Error("SERVICE_ROOT must name the folder of the built service");
  return root;
}
