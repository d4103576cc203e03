// @ts-check
// Numbers as the page shows them: shares and success rates in percent, rates and latencies
// with the precision and rounding `stat ts` uses, and "–" for no traffic (never zero).

/**
 * `x` with `digits` decimals as Go's `%.Nf` writes it (what `stat ts` prints): the exact value
 * rounded, a tie to even. toFixed() rounds a tie up (11.25 → "11.3", Go "11.2").
 * @param {number} x
 * @param {number} digits
 */
export function goFixed(x, digits) {
  const rounded = x.toFixed(digits);
  if (!Number.isFinite(x)) return rounded;
  // A double's decimal expansion ends; 40 more digits show whether the dropped part is exactly 5.
  const exact = x.toFixed(Math.min(100, digits + 40));
  const dot = exact.indexOf('.');
  const dropped = exact.slice(dot + 1 + digits);
  if (!/^50*$/.test(dropped)) return rounded;
  const kept = exact.slice(0, digits === 0 ? dot : dot + 1 + digits);
  return Number(kept.at(-1)) % 2 === 0 ? kept : rounded;
}

/** @param {number | null | undefined} ratio */
export function percent(ratio, digits = 1) {
  return ratio == null ? '–' : `${goFixed(ratio * 100, digits)}%`;
}

/** @param {number | null | undefined} rps */
export function rate(rps) {
  return rps == null ? '–' : `${goFixed(rps, 1)} rps`;
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
