// What PromQL answers become, the way Linkerd viz processed them (SPEC §5): each returned count
// is rounded on its own (half away from zero, NaN → 0) and summed by classification, counts and
// latencies are keyed by the leaf's service name, latencies are quantiles in ms (NaN → 0), and a
// backend without series has no stats. Shared by the prometheus stat source and by anything that
// asks Linkerd's per-split queries, so both turn the same answers into the same rows.
import type { TrafficSplit } from '../splits/index.js';
import { roundSample } from '../promql/index.js';
import type { SampleKey } from '../promql/index.js';
import { statRow } from './stat-row.js';
import type { BackendStats, StatRow } from './stat-row.js';
import type { SplitStats } from './stat-source.js';

interface Counts {
  success: number;
  failure: number;
}

/** Everything the answers said about one split. */
export interface SplitAccumulator {
  readonly leaves: Map<string, Counts>;
  readonly total: Counts;
  /** Per leaf: p50, p95, p99 in ms. */
  readonly leafLatency: Map<string, number[]>;
  /** p50, p95, p99 in ms over every leaf. */
  readonly totalLatency: number[];
}

export function emptyAccumulator(): SplitAccumulator {
  return { leaves: new Map(), total: { success: 0, failure: 0 }, leafLatency: new Map(), totalLatency: [0, 0, 0] };
}

/** One count sample: rounded on its own, then added to its leaf and to the split's total. */
export function addCount(accumulator: SplitAccumulator, { leaf, classification }: Pick<SampleKey, 'leaf' | 'classification'>, value: number): void {
  const outcome = classification === 'success' ? 'success' : classification === 'failure' ? 'failure' : undefined;
  // An infinite increase (a proxy exporting ±Inf) is no count: it would make every number of the
  // split infinite, which no client can be sent. Linkerd's NaN → 0 rounding stays as it was.
  if (outcome === undefined || value === Number.POSITIVE_INFINITY || value === Number.NEGATIVE_INFINITY) return;
  const count = roundSample(value);
  accumulator.total[outcome] += count;
  if (leaf === undefined) return;
  let counts = accumulator.leaves.get(leaf);
  if (counts === undefined) {
    counts = { success: 0, failure: 0 };
    accumulator.leaves.set(leaf, counts);
  }
  counts[outcome] += count;
}

/** A quantile in the histogram's unit as ms; Linkerd showed NaN (no observations) as 0. */
export function latencyMs(value: number, unitToMs: number): number {
  return Number.isFinite(value) ? value * unitToMs : 0;
}

/** The rows of one split, in its backends' order; `shares`: whether observed shares can be computed. */
export function splitStatsFromAnswers(split: TrafficSplit, accumulator: SplitAccumulator | undefined, windowSeconds: number, shares: boolean): SplitStats {
  const total = accumulator === undefined ? null : backendStats(accumulator.total, accumulator.totalLatency, windowSeconds);
  const apexRequests = total === null || !shares ? 0 : total.successCount + total.failureCount;
  const rows = split.backends.map((backend): StatRow => {
    const counts = accumulator?.leaves.get(backend.service);
    const stats = counts === undefined ? null : backendStats(counts, accumulator?.leafLatency.get(backend.service) ?? [0, 0, 0], windowSeconds);
    return statRow(split, backend, stats, apexRequests);
  });
  return { split, total, rows };
}

/** No requests means no stats (`-`), never zeros. */
function backendStats(counts: Counts, latencies: readonly number[], windowSeconds: number): BackendStats | null {
  const requests = counts.success + counts.failure;
  if (requests <= 0 || windowSeconds <= 0) return null;
  return {
    successCount: counts.success,
    failureCount: counts.failure,
    successRate: counts.success / requests,
    rps: requests / windowSeconds,
    latencyMsP50: latencies[0] ?? 0,
    latencyMsP95: latencies[1] ?? 0,
    latencyMsP99: latencies[2] ?? 0,
    windowSeconds,
  };
}
