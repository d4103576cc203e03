// What a window sums to per traffic edge, and the one layout every interval stores its numbers in:
// [success, failure, latency sum (ms), latency bucket 0 … n-1], so that summing intervals, merging
// old ones and keeping lifetime counters are the same loop over one Float64Array.
//
// An edge's latency buckets follow the histogram of the proxies that counted it. When clients of
// two meshes call one backend, their histograms have different bounds: the sum keeps the bounds
// both have (every layout ends with +Inf), where each cumulative count is still exact.
import type { TrafficEdge } from '../mesh/index.js';

export interface EdgeTotals {
  readonly edge: TrafficEdge;
  success: number;
  failure: number;
  /** Sum of the latencies (ms) of the requests counted, from the histogram's `_sum`. */
  latencySumMs: number;
  /** Upper bounds (ms) of the cumulative latency buckets, ascending, ending with +Inf. */
  bounds: readonly number[];
  /** Increase of each cumulative latency bucket, aligned with `bounds`. */
  latency: Float64Array;
}

export const SUCCESS = 0;
export const FAILURE = 1;
export const LATENCY_SUM = 2;
export const FIRST_LATENCY = 3;

export function emptyTotals(edge: TrafficEdge, bounds: readonly number[]): EdgeTotals {
  return { edge, success: 0, failure: 0, latencySumMs: 0, bounds, latency: new Float64Array(bounds.length) };
}

/** accumulateAt() from the start of `values`. */
export function accumulate(totals: EdgeTotals, values: Float64Array, bounds: readonly number[]): void {
  accumulateAt(totals, values, 0, bounds);
}

/** Adds the numbers that start at `offset` of `values` (a packed interval), whose buckets have `bounds`. */
export function accumulateAt(totals: EdgeTotals, values: Float64Array, offset: number, bounds: readonly number[]): void {
  totals.success += values[offset + SUCCESS] as number;
  totals.failure += values[offset + FAILURE] as number;
  totals.latencySumMs += values[offset + LATENCY_SUM] as number;
  addBuckets(totals, values, offset + FIRST_LATENCY, bounds);
}

/** Adds one edge's totals to another's (an apex's sum of its edges). */
export function addTotals(into: EdgeTotals, from: Readonly<EdgeTotals>): void {
  into.success += from.success;
  into.failure += from.failure;
  into.latencySumMs += from.latencySumMs;
  addBuckets(into, from.latency, 0, from.bounds);
}

function addBuckets(totals: EdgeTotals, values: Float64Array, first: number, bounds: readonly number[]): void {
  if (bounds !== totals.bounds) {
    const common = commonBounds(totals.bounds, bounds);
    if (common !== totals.bounds) {
      totals.latency = project(totals.latency, 0, totals.bounds, common);
      totals.bounds = common;
    }
    const projected = project(values, first, bounds, common);
    for (let b = 0; b < common.length; b++) totals.latency[b] = (totals.latency[b] as number) + (projected[b] as number);
    return;
  }
  const latency = totals.latency;
  for (let b = 0; b < latency.length; b++) latency[b] = (latency[b] as number) + (values[first + b] as number);
}

/** The counts of the cumulative buckets `from` (starting at `first` of `values`) at the bounds `to`, all of which `from` has. */
function project(values: Float64Array, first: number, from: readonly number[], to: readonly number[]): Float64Array {
  const out = new Float64Array(to.length);
  let j = 0;
  for (let b = 0; b < to.length; b++) {
    while (from[j] !== to[b]) j++;
    out[b] = values[first + j] as number;
  }
  return out;
}

// Layouts are a handful of long-lived arrays: their common bounds are computed once per pair and
// kept, so that a sum already in common bounds is recognised by identity afterwards.
const commonCache = new WeakMap<readonly number[], WeakMap<readonly number[], readonly number[]>>();

/** The bounds both layouts have, in order; `a` itself when it has no bound `b` lacks. */
export function commonBounds(a: readonly number[], b: readonly number[]): readonly number[] {
  let byB = commonCache.get(a);
  if (byB === undefined) {
    byB = new WeakMap();
    commonCache.set(a, byB);
  }
  let common = byB.get(b);
  if (common === undefined) {
    const inB = new Set(b);
    const shared = a.filter((bound) => inB.has(bound));
    common = shared.length === a.length ? a : shared;
    byB.set(b, common);
    if (shared.length !== a.length) commonCache.set(common, new WeakMap([[b, common]]));
  }
  return common;
}
