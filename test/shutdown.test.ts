import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { startSimulator, type CertCentralSimulator } from "../simulator/certcentral.js";
import { SEEDED_KEYS } from "../simulator/seed.js";
import { RevokeOrderDocument } from "./generated/operations.js";
import { postGraphQL } from "./helpers/harness.js";

const IN_FLIGHT = 40;
const FIRST_ORDER = 3001;

let simulator: CertCentralSimulator;

beforeAll(async () => {
  simulator = await startSimulator(0, { latencyMs: 1500 });
  for (let id = FIRST_ORDER; id < FIRST_ORDER + IN_FLIGHT; id += 1) {
    simulator.orders.set(id, { id, common_name: `drain${id}.example.com`, status: "issued", requests: [] });
  }
});

afterAll(async () => {
  await simulator.close();
});

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("graceful shutdown", () => {
  test("SIGTERM loses no in-flight revocation", async () => {
    const service = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: { ...process.env, NODE_OPTIONS: "", PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", DIGICERT_API_URL: simulator.baseUrl, SHUTDOWN_GRACE_MS: "10000" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let logs = "";
    service.stdout.on("data", (chunk: Buffer) => (logs += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => service.on("exit", (code) => resolve(code)));
    await waitFor(() => /"msg":"revocation-gateway started"/.test(logs), 30_000);
    const port = Number(/"port":(\d+)/.exec(logs.split("\n").find((line) => line.includes("revocation-gateway started")) ?? "")?.[1]);
    const base = `http://127.0.0.1:${port}`;

    const answers = Array.from({ length: IN_FLIGHT }, (_, index) =>
      postGraphQL(`${base}/graphql`, RevokeOrderDocument, { orderId: String(FIRST_ORDER + index) }, { "x-dc-devkey": SEEDED_KEYS.user }),
    );
    await waitFor(() => simulator.received.length === IN_FLIGHT, 10_000);
    service.kill("SIGTERM");
    await waitFor(() => logs.includes("Stopping: no new requests"), 5_000);

    const afterSignal = await fetch(`${base}/readyz`).then(
      (response) => response.status,
      () => "refused",
    );
    const results = await Promise.all(answers);

    expect(afterSignal).not.toBe(200);
    expect(results.map((result) => result.body.data?.revokeOrder.__typename)).toEqual(Array(IN_FLIGHT).fill("RevokeRequest"));
    expect(await exited).toBe(0);
    expect(simulator.received).toHaveLength(IN_FLIGHT);
    expect(logs).toContain("revocation-gateway stopped");
  }, 60_000);
});
