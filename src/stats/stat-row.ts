// StatRow: one backend of one TrafficSplit with its numbers, the shape every output renders.
import type { SplitBackend, TrafficSplit } from '../splits/index.js';

/** Request statistics of a backend over a window. Absent (null) means "no traffic", never zeros. */
export interface BackendStats {
  readonly successCount: number;
  readonly failureCount: number;
  /** success / (success + failure), 0..1. */
  readonly successRate: number;
  /** (success + failure) / windowSeconds. */
  readonly rps: number;
  /** Latency quantiles in milliseconds, unrounded; 0 when the histogram had nothing (Linkerd's NaN → 0). */
  readonly latencyMsP50: number;
  readonly latencyMsP95: number;
  readonly latencyMsP99: number;
  /** The seconds the numbers cover: the requested window, or less when less data exists yet. */
  readonly windowSeconds: number;
}

export interface StatRow {
  readonly namespace: string;
  /** The TrafficSplit's name. */
  readonly name: string;
  readonly apex: string;
  readonly leaf: string;
  /** Canonical Quantity string of the configured weight. */
  readonly weight: string;
  readonly weightValue: number | null;
  /** Configured share: weight / Σ weights, 0..1. */
  readonly weightRatio: number | null;
  /** Observed share of the split's requests this backend served in the window, 0..1; null without traffic. */
  readonly observedRatio: number | null;
  readonly stats: BackendStats | null;
}

/**
 * A backend's row, whichever source counted it. The observed share is of every request sent to
 * the apex (apexRequests), whichever leaf served it: a lagging route shows up.
 */
export function statRow(split: TrafficSplit, backend: SplitBackend, stats: BackendStats | null, apexRequests: number): StatRow {
  return {
    namespace: split.namespace,
    name: split.name,
    apex: split.apex,
    leaf: backend.service,
    weight: backend.weightString,
    weightValue: backend.weightValue,
    weightRatio: backend.weightRatio,
    observedRatio: stats === null || apexRequests === 0 ? null : (stats.successCount + stats.failureCount) / apexRequests,
    stats,
  };
}
