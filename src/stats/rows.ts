// Window totals → StatRows, with linkerd's semantics: rates over the window, latency quantiles
// from the summed histogram, and no numbers at all for a leaf without requests.
import type { TrafficSplit } from '../splits/index.js';
import { apexKey, edgeKey, splitApexKey, splitEdge } from '../mesh/index.js';
import type { TrafficEdge } from '../mesh/index.js';
import { histogramQuantile } from '../window/index.js';
import type { EdgeTotals, WindowTotals } from '../window/index.js';
import { statRow } from './stat-row.js';
import type { BackendStats, StatRow } from './stat-row.js';
import type { SplitStats } from './stat-source.js';

/** The latency bounds (ms) an edge's histogram has (TrafficWindow.boundsOf). */
export type LatencyBounds = (edge: TrafficEdge) => readonly number[];

export function splitStats(splits: readonly TrafficSplit[], totals: WindowTotals, boundsOf: LatencyBounds): SplitStats[] {
  const byApex = apexTotals(totals);
  return splits.map((split) => {
    const apex = byApex.get(splitApexKey(split));
    const total = apex === undefined ? null : backendStats(apex, totals.coveredMs, boundsOf(apex.edge));
    // The observed share is of every request sent to the apex, including any the mesh sent to
    // a leaf the split does not list (yet or any more): that is exactly what a rollout must see.
    const apexRequests = apex === undefined ? 0 : apex.success + apex.failure;
    return { split, total, rows: backendRows(split, totals, apexRequests, boundsOf) };
  });
}

/** Per apex (and route, for a route's edges): the sum of all its edges, histograms included. */
function apexTotals(totals: WindowTotals): Map<string, EdgeTotals> {
  const byApex = new Map<string, EdgeTotals>();
  for (const edge of totals.edges.values()) {
    const key = apexKey(edge.edge.apexNamespace, edge.edge.apex, edge.edge.route);
    let sum = byApex.get(key);
    if (sum === undefined) {
      sum = { edge: { ...edge.edge, leaf: '' }, success: 0, failure: 0, latencySumMs: 0, latency: new Float64Array(edge.latency.length) };
      byApex.set(key, sum);
    }
    sum.success += edge.success;
    sum.failure += edge.failure;
    sum.latencySumMs += edge.latencySumMs;
    for (let i = 0; i < sum.latency.length; i++) sum.latency[i] = (sum.latency[i] as number) + (edge.latency[i] as number);
  }
  return byApex;
}

function backendRows(split: TrafficSplit, totals: WindowTotals, apexRequests: number, boundsOf: LatencyBounds): StatRow[] {
  return split.backends.map((backend) => {
    const edge = totals.edges.get(edgeKey(splitEdge(split, backend.service)));
    return statRow(split, backend, edge === undefined ? null : backendStats(edge, totals.coveredMs, boundsOf(edge.edge)), apexRequests);
  });
}

export function backendStats(edge: EdgeTotals, coveredMs: number, latencyBucketsMs: readonly number[]): BackendStats | null {
  const requests = edge.success + edge.failure;
  if (requests <= 0 || coveredMs <= 0) return null;
  const windowSeconds = coveredMs / 1000;
  const cumulative = latencyBucketsMs.map((le, i) => ({ le, count: edge.latency[i] ?? 0 }));
  return {
    successCount: edge.success,
    failureCount: edge.failure,
    successRate: edge.success / requests,
    rps: requests / windowSeconds,
    latencyMsP50: quantileOrZero(0.5, cumulative),
    latencyMsP95: quantileOrZero(0.95, cumulative),
    latencyMsP99: quantileOrZero(0.99, cumulative),
    windowSeconds,
  };
}

function quantileOrZero(q: number, buckets: readonly { le: number; count: number }[]): number {
  const value = histogramQuantile(q, buckets);
  return Number.isNaN(value) ? 0 : value;
}
