// One split's latency bucket rates as Prometheus summed them, per leaf and over all leaves, and
// the quantiles histogram_quantile would have taken from them. Per leaf, the sums are exactly
// the input of Linkerd's per-leaf histogram_quantile, so the quantiles are the same numbers; the
// split's total adds the leaves' sums up here (Prometheus would have added the raw series in
// another order, so the last bits of a total may differ, never a leaf's).
import { histogramQuantile } from '../window/index.js';

type BucketRates = Map<number, number>;

export class SplitLatencyBuckets {
  readonly #leaves = new Map<string, BucketRates>();
  readonly #total: BucketRates = new Map();

  /** One sample: `le` as Prometheus labels it, `leaf` undefined for series without a leaf (total only). */
  add(leaf: string | undefined, le: string | undefined, rate: number): void {
    const bound = parseBucketBound(le);
    // histogram_quantile skips a series whose le does not parse; so does this.
    if (bound === undefined) return;
    addTo(this.#total, bound, rate);
    if (leaf === undefined) return;
    let rates = this.#leaves.get(leaf);
    if (rates === undefined) {
      rates = new Map();
      this.#leaves.set(leaf, rates);
    }
    // A leaf seen in two dst_namespaces gets both, as its counts do.
    addTo(rates, bound, rate);
  }


  leafQuantiles(leaf: string, quantiles: readonly number[]): number[] {
    const rates = this.#leaves.get(leaf);
    return quantiles.map((q) => (rates === undefined ? Number.NaN : quantileOf(q, rates)));
  }

  totalQuantiles(quantiles: readonly number[]): number[] {
    return quantiles.map((q) => (this.#total.size === 0 ? Number.NaN : quantileOf(q, this.#total)));
  }
}

function addTo(rates: BucketRates, bound: number, rate: number): void {
  const sum = rates.get(bound);
  rates.set(bound, sum === undefined ? rate : sum + rate);
}

function quantileOf(q: number, rates: BucketRates): number {
  return histogramQuantile(q, [...rates].map(([le, count]) => ({ le, count })));
}

const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * An `le` value as Go's strconv.ParseFloat reads it (what histogram_quantile uses): decimals,
 * `+Inf`/`Inf`/`infinity` in any case; undefined where Go fails (out of range, not a number).
 * NaN bounds are refused too: they cannot be ordered, so no answer built on them means anything.
 */
export function parseBucketBound(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const infinity = /^([+-]?)inf(?:inity)?$/i.exec(text);
  if (infinity !== null) return infinity[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}
