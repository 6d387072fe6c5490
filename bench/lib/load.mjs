// One load run with autocannon, with latencies kept at full precision.
import autocannon from "autocannon";
import { quantileSorted } from "./stats.mjs";

// autocannon's own histogram records whole milliseconds, but its 'response' event
// carries the float value from process.hrtime, which is kept here instead. The cap
// bounds the memory of one run (8 bytes a sample).
const MAX_SAMPLES = 2_000_000;

/**
 * Runs autocannon against `url` with a POST (or `method`) of `body` and returns throughput and
 * latency. Give either `durationSeconds` or `amount` (total requests).
 *
 * Every number is steady state: the first response on each connection is left out,
 * because it includes the TCP connect and autocannon starting all its clients at once.
 * On the 2-core machine of bench/RESULTS.md that added tens of milliseconds to 200
 * simultaneous first requests, even straight against the fake upstream.
 * `requestsPerSecond` is the sum over connections of (responses after the first) /
 * (time from the first response to the last), so neither the ramp-up nor the tail of a
 * fixed-amount run pads it. `overallRequestsPerSecond` counts every valid response from
 * the start instead. Responses that are not 2xx, or whose body `verify` rejects, are
 * counted apart and reported by describeFailures.
 */
export function runLoad({ url, method = "POST", body, headers, connections, durationSeconds, amount, verify, timeoutSeconds = 30 }) {
  return new Promise((resolve, reject) => {
    const samples = new Float64Array(MAX_SAMPLES);
    let sampleCount = 0;
    let lastResponseAt = 0;
    // Per autocannon client (one per connection): times of its first and last response, and responses since the first.
    const perConnection = new Map();
    const startedAt = performance.now();

    const options = {
      url,
      method,
      headers: { "content-type": "application/json", ...headers },
      body,
      connections,
      pipelining: 1,
      timeout: timeoutSeconds,
      verifyBody: verify,
    };
    if (amount !== undefined) {
      options.amount = amount;
    } else {
      options.duration = durationSeconds;
    }

    const instance = autocannon(options, (error, result) => {
      if (error) {
        reject(error);
        return;
      }
      const sorted = samples.subarray(0, sampleCount).sort();
      const elapsedSeconds = ((lastResponseAt || performance.now()) - startedAt) / 1000;
      const ok = result["2xx"] - result.mismatches;
      let steadyRate = 0;
      for (const connection of perConnection.values()) {
        if (connection.responses > 0) steadyRate += connection.responses / ((connection.last - connection.first) / 1000);
      }
      resolve({
        connections,
        requests: result.requests.total,
        ok,
        errors: result.errors,
        timeouts: result.timeouts,
        non2xx: result.non2xx,
        mismatches: result.mismatches,
        statusCodes: result.statusCodeStats,
        elapsedSeconds,
        requestsPerSecond: steadyRate,
        overallRequestsPerSecond: ok / elapsedSeconds,
        p50Ms: quantileSorted(sorted, 0.5),
        p99Ms: quantileSorted(sorted, 0.99),
        maxMs: sorted.length > 0 ? sorted[sorted.length - 1] : Number.NaN,
      });
    });

    instance.on("response", (client, statusCode, _bytes, responseTime) => {
      const now = performance.now();
      lastResponseAt = now;
      const connection = perConnection.get(client);
      if (connection === undefined) {
        perConnection.set(client, { first: now, last: now, responses: 0 });
        return;
      }
      connection.last = now;
      connection.responses += 1;
      const status = Number(statusCode);
      if (status >= 200 && status < 300 && sampleCount < MAX_SAMPLES) {
        samples[sampleCount] = responseTime;
        sampleCount += 1;
      }
    });
  });
}

/** Returns a short description of what went wrong in a run, or "" when every response was valid. */
export function describeFailures(result) {
  const problems = [];
  // A cold-start sample has no load counters.
  if (result.errors === undefined) return "";
  if (result.errors > 0) problems.push(`${result.errors} connection errors`);
  if (result.timeouts > 0) problems.push(`${result.timeouts} timeouts`);
  if (result.non2xx > 0) problems.push(`${result.non2xx} non-2xx responses (${JSON.stringify(result.statusCodes)})`);
  if (result.mismatches > 0) problems.push(`${result.mismatches} responses with an unexpected body`);
  return problems.join(", ");
}
