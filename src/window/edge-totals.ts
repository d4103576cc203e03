// What a window sums to per traffic edge, and the one layout every interval stores its numbers in:
// [success, failure, latency sum (ms), latency bucket 0 … n-1], so that summing intervals, merging
// old ones and keeping lifetime counters are the same loop over one Float64Array.
import type { TrafficEdge } from '../mesh/index.js';

export interface EdgeTotals {
  readonly edge: TrafficEdge;
  success: number;
  failure: number;
  /** Sum of the latencies (ms) of the requests counted, from the histogram's `_sum`. */
  latencySumMs: number;
  /** Increase of each cumulative latency bucket, aligned with the window's bucket bounds. */
  readonly latency: Float64Array;
}

export const SUCCESS = 0;
export const FAILURE = 1;
export const LATENCY_SUM = 2;
export const FIRST_LATENCY = 3;

export function emptyTotals(edge: TrafficEdge, latencyBuckets: number): EdgeTotals {
  return { edge, success: 0, failure: 0, latencySumMs: 0, latency: new Float64Array(latencyBuckets) };
}

export function accumulate(totals: EdgeTotals, values: Float64Array): void {
  accumulateAt(totals, values, 0);
}

/** accumulate() from the numbers that start at `offset` of `values` (a packed interval). */
export function accumulateAt(totals: EdgeTotals, values: Float64Array, offset: number): void {
  totals.success += values[offset + SUCCESS] as number;
  totals.failure += values[offset + FAILURE] as number;
  totals.latencySumMs += values[offset + LATENCY_SUM] as number;
  const first = offset + FIRST_LATENCY;
  for (let b = 0; b < totals.latency.length; b++) totals.latency[b] = (totals.latency[b] as number) + (values[first + b] as number);
}
