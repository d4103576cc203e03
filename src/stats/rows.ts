// Window totals → StatRows, with linkerd's semantics: rates over the window, latency quantiles
// from the summed histogram, and no numbers at all for a leaf without requests.
import type { TrafficSplit } from '../splits/index.js';
import { apexKey, edgeKey, splitApexKey, splitEdge } from '../mesh/index.js';
import { addTotals, emptyTotals, histogramQuantile } from '../window/index.js';
import type { EdgeTotals, WindowTotals } from '../window/index.js';
import { statRow } from './stat-row.js';
import type { BackendStats, StatRow } from './stat-row.js';
import type { SplitStats } from './stat-source.js';

export function splitStats(splits: readonly TrafficSplit[], totals: WindowTotals): SplitStats[] {
  const byApex = apexTotals(totals);
  return splits.map((split) => {
    const apex = byApex.get(splitApexKey(split));
    const total = apex === undefined ? null : backendStats(apex, totals.coveredMs);
    // The observed share is of every request sent to the apex, including any the mesh sent to
    // a leaf the split does not list (yet or any more): that is exactly what a rollout must see.
    const apexRequests = apex === undefined ? 0 : apex.success + apex.failure;
    return { split, total, rows: backendRows(split, totals, apexRequests) };
  });
}

/** Per apex (and route, for a route's edges): the sum of all its edges, histograms included. */
function apexTotals(totals: WindowTotals): Map<string, EdgeTotals> {
  const byApex = new Map<string, EdgeTotals>();
  for (const edge of totals.edges.values()) {
    const key = apexKey(edge.edge.apexNamespace, edge.edge.apex, edge.edge.route);
    let sum = byApex.get(key);
    if (sum === undefined) {
      sum = emptyTotals({ ...edge.edge, leaf: '' }, edge.bounds);
      byApex.set(key, sum);
    }
    // Edges counted by clients of different meshes sum in the bounds both histograms have.
    addTotals(sum, edge);
  }
  return byApex;
}

function backendRows(split: TrafficSplit, totals: WindowTotals, apexRequests: number): StatRow[] {
  return split.backends.map((backend) => {
    const edge = totals.edges.get(edgeKey(splitEdge(split, backend.service)));
    return statRow(split, backend, edge === undefined ? null : backendStats(edge, totals.coveredMs), apexRequests);
  });
}

export function backendStats(edge: Readonly<EdgeTotals>, coveredMs: number): BackendStats | null {
  const requests = edge.success + edge.failure;
  if (requests <= 0 || coveredMs <= 0) return null;
  const windowSeconds = coveredMs / 1000;
  const cumulative = edge.bounds.map((le, i) => ({ le, count: edge.latency[i] ?? 0 }));
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
