// @ts-check
// Numbers as the page shows them: shares and success rates in percent, rates and latencies
// with the precision `stat ts` uses, and "–" for no traffic (never zero).

/** @param {number | null | undefined} ratio */
export function percent(ratio, digits = 1) {
  return ratio == null ? '–' : `${(ratio * 100).toFixed(digits)}%`;
}

/** @param {number | null | undefined} rps */
export function rate(rps) {
  return rps == null ? '–' : `${rps.toFixed(1)} rps`;
}

/** @param {number | null | undefined} ms */
export function latency(ms) {
  return ms == null ? '–' : `${Math.round(ms)} ms`;
}

const UNITS_MS = /** @type {const} */ ({ h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 });

/**
 * Milliseconds of a Go duration as the server writes them (`10s`, `1h0m0s`, `1m30s`).
 * @param {string} text
 */
export function durationMs(text) {
  let total = 0;
  let matched = '';
  for (const [piece, value, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)/g)) {
    total += Number(value) * UNITS_MS[/** @type {keyof typeof UNITS_MS} */ (unit)];
    matched += piece;
  }
  if (matched === '' || matched !== text) throw new Error(`not a duration: ${text}`);
  return total;
}

/**
 * A Go duration for a number of milliseconds, whole seconds only (what the page asks for).
 * @param {number} ms
 */
export function goDuration(ms) {
  const seconds = Math.max(1, Math.round(ms / 1000));
  return seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}
