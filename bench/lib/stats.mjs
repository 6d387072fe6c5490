// Summary statistics for repeated benchmark runs.

/** Returns the median of a list of numbers, or NaN for an empty list. */
export function median(values) {
  const finite = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  if (finite.length === 0) return Number.NaN;
  const middle = Math.floor(finite.length / 2);
  return finite.length % 2 === 1 ? finite[middle] : (finite[middle - 1] + finite[middle]) / 2;
}

/** Summarizes repeated runs: median, min, max and the spread (max - min) relative to the median. */
export function summarize(values) {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, spread: Number.NaN, runs: values };
  const mid = median(finite);
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  return { median: mid, min, max, spread: mid === 0 ? 0 : (max - min) / mid, runs: values };
}

/**
 * Returns the q-quantile (0..1) of sorted samples by the nearest-rank method, so
 * p99 of 10 000 samples is the 9 900th smallest.
 */
export function quantileSorted(sorted, q) {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

/** Formats a number with a fixed count of decimals, or "n/a" when it is not finite. */
export function formatNumber(value, decimals = 0) {
  return Number.isFinite(value) ? value.toFixed(decimals) : "n/a";
}

/** Formats a summary as "median (min–max)". */
export function formatSummary(summary, decimals = 0) {
  if (!Number.isFinite(summary.median)) return "n/a";
  return `${formatNumber(summary.median, decimals)} (${formatNumber(summary.min, decimals)}–${formatNumber(summary.max, decimals)})`;
}
