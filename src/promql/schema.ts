// What differs between the two PromQL schemas (the mesh's raw metrics, or splitstat's own
// exported series): the query text and which labels name the split, the leaf and the outcome.
// Everything else (batching, rounding, turning samples into stats) is shared, in the source.
import type { TrafficSplit } from '../splits/index.js';

/** What every query of one `stats()` call shares. */
export interface QuerySelection {
  /** The `[w]` of every range, e.g. "1m". */
  readonly range: string;
  /** `--from`: only requests from these clients. */
  readonly from?: { readonly namespace?: string | undefined; readonly kind?: string | undefined; readonly name?: string | undefined } | undefined;
  /** `--to`: only requests served by this destination (null fields: any). */
  readonly to?: { readonly namespace: string | null; readonly service: string | null } | undefined;
}

/**
 * The two queries for one batch of splits. Latency comes as bucket rates rather than quantiles:
 * histogram_quantile would make Prometheus read every bucket series once per quantile (six
 * times for p50/p95/p99 of leaves and splits); read once, the quantiles are taken here with
 * Prometheus' own algorithm (window/quantile.ts) from the very sums it would have used.
 */
export interface BatchQueries {
  /** Increases per (split, leaf, classification, …); each sample is rounded on its own. */
  readonly counts: string;
  /** Latency bucket rates per (split, leaf, le), summed as histogram_quantile's input would be. */
  readonly buckets: string;
}

/** Which split, leaf and outcome a returned sample is about. */
export interface SampleKey {
  /** Indexes into the batch's splits the sample counts for; empty when none. */
  readonly splits: readonly number[];
  readonly leaf: string | undefined;
  readonly classification: string | undefined;
}

export interface QuerySchema {
  /** A PrometheusSchemaName: the mesh whose series it reads, or splitstat's own. */
  readonly name: string;
  /** Multiplier from the histogram's unit to milliseconds. */
  readonly latencyToMs: number;
  /** Splits per batch at most, given the regex budget; at least 1. `probed`: see probe. */
  batches(splits: readonly TrafficSplit[], probed?: number): TrafficSplit[][];
  /**
   * A cheap query asked once per stats() call, before the batches, at the same instant; the sum
   * of its samples (0 when it returns none) is handed to batches() and queries(), which may then
   * leave out parts that cannot match anything.
   */
  readonly probe?: string;
  queries(batch: readonly TrafficSplit[], selection: QuerySelection, probed?: number): BatchQueries;
  /**
   * Which splits of the batch (and which leaf and outcome) a sample counts for. `selection` is
   * what queries() was given, for schemas that can apply part of it only once a sample is read.
   */
  keyOf(metric: Readonly<Record<string, string>>, batch: readonly TrafficSplit[], selection?: QuerySelection): SampleKey;
}

/** Rejected selections (e.g. `--from` where the series carry no client labels). */
export class QuerySelectionError extends Error {
  override readonly name = 'QuerySelectionError';
}

/** p50, p95, p99 as PromQL text (Linkerd's queries) … */
export const QUANTILES = ['0.5', '0.95', '0.99'] as const;
/** … and as the numbers Prometheus parses that text into. */
export const QUANTILE_VALUES: readonly number[] = QUANTILES.map(Number);

/**
 * Groups splits so each batch's regex stays short: Prometheus accepts long queries, but proxies
 * in front of it (and GET fallbacks) cap request sizes around 8 KiB–64 KiB.
 */
export function batchByLength<T>(items: readonly T[], length: (item: T) => number, budget: number): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let used = 0;
  for (const item of items) {
    const size = length(item) + 1;
    if (current.length > 0 && used + size > budget) {
      batches.push(current);
      current = [];
      used = 0;
    }
    current.push(item);
    used += size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
