import { spawn } from "node:child_process";
import { describe, expect, test } from "@jest/globals";
import { SEEDED_KEYS } from "../simulator/seed.js";
import { RevokeOrderDocument } from "./generated/operations.js";
import { postGraphQL } from "./helpers/harness.js";

describe("npm run demo", () => {
  test("demo serves a revocation end to end", async () => {
    // node --import tsx, as npm run demo does through tsx, but with no npx in between to swallow signals.
    const demo = spawn(process.execPath, ["--import", "tsx", "simulator/demo.ts"], {
      env: { ...process.env, PORT: "0", SIMULATOR_PORT: "0", LOG_LEVEL: "warn", NODE_OPTIONS: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = "";
        demo.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString();
          const match = /GraphQL \(and Apollo Sandbox\): (\S+)/.exec(output);
          if (match?.[1] !== undefined) resolve(match[1].replace("localhost", "127.0.0.1"));
        });
        demo.on("exit", (code) => reject(new Error(`demo exited with ${code}: ${output}`)));
      });

      const answer = await postGraphQL(url, RevokeOrderDocument, { orderId: "1003", skipApproval: true }, { "x-dc-devkey": SEEDED_KEYS.administrator });

      expect(answer.body.data?.revokeOrder.__typename).toBe("RevokedImmediately");
    } finally {
      if (demo.exitCode === null && demo.signalCode === null) {
        const exited = new Promise((resolve) => demo.on("exit", resolve));
        demo.kill("SIGTERM");
        await exited;
      }
    }
  }, 60_000);
});
