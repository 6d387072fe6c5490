import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { chromium, type Browser } from "playwright-core";
import { startHarness, type Harness } from "./helpers/harness.js";

/** Debian's Chromium; .ci/run installs it. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

let harness: Harness;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install Debian's chromium package (apt-get install chromium) or set CHROMIUM_PATH.`);
  }
  harness = await startHarness();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    // Every name but loopback fails to resolve, so the browser can reach nothing else.
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await harness?.close();
});

describe("Sandbox landing page", () => {
  test("page targets this endpoint with the operation", async () => {
    const page = await browser.newPage();
    const blocked: string[] = [];
    // Requests that would leave this machine are aborted and recorded instead.
    await page.route("**/*", async (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1") return route.continue();
      blocked.push(url.href);
      return route.abort();
    });

    await page.goto(harness.graphqlUrl, { waitUntil: "domcontentloaded" });
    const state = await page.evaluate(() => {
      const scope = globalThis as unknown as {
        initialEndpoint: string;
        embeddedSandboxConfig: { initialState: { document: string; variables: Record<string, unknown>; headers: Record<string, string> }; runTelemetry: boolean };
      };
      return { endpoint: scope.initialEndpoint, config: scope.embeddedSandboxConfig };
    });

    expect(state.endpoint).toBe(harness.graphqlUrl);
    expect(state.config.initialState.document).toContain("revokeOrder(orderId: $orderId, reason: $reason, comment: $comment, skipApproval: $skipApproval)");
    expect(state.config.initialState.variables).toEqual({ orderId: "1001", reason: "KEY_COMPROMISE", comment: "Key leaked in a public repository" });
    expect(Object.keys(state.config.initialState.headers)).toEqual(["X-DC-DEVKEY"]);
    expect(state.config.runTelemetry).toBe(false);
    // The Sandbox script itself comes from Apollo's CDN, which this check never reaches.
    expect(blocked.some((url) => url.startsWith("https://embeddable-sandbox.cdn.apollographql.com/"))).toBe(true);
    expect(await page.locator(".fallback h1").textContent()).toBe("Welcome to Apollo Server");
    await page.close();
  }, 30_000);
});
