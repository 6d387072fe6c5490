import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, test } from "@jest/globals";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs src/main.ts with an environment until it exits, or stops it after `stopAfterMs`. */
function runService(env: Record<string, string>, stopAfterMs?: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, NODE_OPTIONS: "", HOST: "127.0.0.1", DIGICERT_API_URL: "http://127.0.0.1:9/services/v2", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let stopScheduled = false;
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stopAfterMs !== undefined && !stopScheduled && stdout.includes("revocation-gateway started")) {
        stopScheduled = true;
        setTimeout(() => child.kill("SIGTERM"), stopAfterMs);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("service start-up", () => {
  test("busy port exits 1 with a hint", async () => {
    const holder = http.createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const run = await runService({ PORT: String(port) });

      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`Cannot listen on 127.0.0.1:${port} (EADDRINUSE). Set PORT to a free port.\n`);
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
  }, 30_000);

  test("invalid variable exits 1 naming it", async () => {
    const run = await runService({ PORT: "70000" });

    expect(run.code).toBe(1);
    expect(run.stderr).toContain("PORT: PORT must be a whole number from 0 to 65535");
    expect(run.stdout).toBe("");
  }, 30_000);

  test("second SIGTERM does not cut the drain", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, NODE_OPTIONS: "", HOST: "127.0.0.1", PORT: "0", DIGICERT_API_URL: "http://127.0.0.1:9/services/v2" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes("revocation-gateway started")) resolve();
      });
    });

    child.kill("SIGTERM");
    child.kill("SIGTERM");

    expect(await exited).toBe(0);
  }, 30_000);

  test("timeout over the grace period warns", async () => {
    const run = await runService({ PORT: "0", DIGICERT_TIMEOUT_MS: "30000", SHUTDOWN_GRACE_MS: "25000" }, 0);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("DIGICERT_TIMEOUT_MS is not below SHUTDOWN_GRACE_MS");
  }, 30_000);
});
