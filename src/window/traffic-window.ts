// Per-interval increases of split traffic, kept for the longest window anyone may ask for.
// One bucket per scrape cycle; each holds, for every (edge, client workload) with traffic in
// that interval, success and failure counts and the latency histogram's increases. Intervals
// older than the fine retention are merged into coarse buckets, which bounds memory.
import type { TrafficEdge } from '../mesh/index.js';
import type { EdgeTotals } from './edge-totals.js';
import { accumulateAt, emptyTotals } from './edge-totals.js';
import { IntervalBuilder, LatencyLayouts } from './interval.js';
import type { SourceSelector, SourceWorkload, TrafficMeaning } from './interval.js';
import { PackedEntries } from './packed-entries.js';
import { LifetimeTotals } from './lifetime-totals.js';

export interface WindowTotals {
  /** By edgeKey(), every layout of an edge summed into one. Only edges with traffic in the window. */
  readonly edges: ReadonlyMap<string, EdgeTotals>;
  /** How many milliseconds of data the totals cover: the window, or less when less exists. */
  readonly coveredMs: number;
  /** End of the newest interval included (the window's end when none is). */
  readonly endMs: number;
}

interface Bucket {
  readonly startMs: number;
  readonly endMs: number;
  readonly entries: PackedEntries;
}

export interface TrafficWindowOptions {
  /** Upper bounds of the latency buckets (ms), ascending, ending with +Inf. */
  readonly latencyBucketsMs: readonly number[];
  /** The bounds of edges with a route, when their proxy histogram has others (MeshAdapter). */
  readonly routeLatencyBucketsMs?: readonly number[] | undefined;
  /** Further layouts by name, for edges that name one (TrafficEdge.layout, MeshAdapter.layouts). */
  readonly layouts?: Readonly<Record<string, readonly number[]>> | undefined;
  /** The longest window that can be asked for. */
  readonly retentionMs?: number;
  /** Intervals older than this are merged into coarse buckets to bound memory. */
  readonly fineRetentionMs?: number;
  readonly coarseBucketMs?: number;
  /**
   * The most bytes of history kept (PackedEntries.bytes over every interval): past it the oldest
   * intervals are dropped, so the window covers less than retentionMs (WindowTotals.coveredMs
   * says how much). The newest interval is always kept. Default: no bound.
   */
  readonly maxHistoryBytes?: number;
}

/** How long every interval is kept as it was scraped; older ones are merged (TrafficWindowOptions). */
export const FINE_RETENTION_MS = 600_000;
/** The span older intervals are merged into: the finest resolution of older history. */
export const COARSE_BUCKET_MS = 60_000;

export class TrafficWindow {
  readonly latencyBucketsMs: readonly number[];
  readonly routeLatencyBucketsMs: readonly number[];
  readonly retentionMs: number;
  readonly maxHistoryBytes: number;
  readonly #fineRetentionMs: number;
  readonly #coarseBucketMs: number;
  readonly #layouts: LatencyLayouts;
  readonly #buckets: Bucket[] = [];
  readonly #lifetime: LifetimeTotals;
  #cache = new Map<string, WindowTotals>();
  #historyBytes = 0;
  #droppedIntervals = 0;
  /** The one interval builder, reused from interval to interval (IntervalBuilder). */
  readonly #builder: IntervalBuilder;

  constructor({
    latencyBucketsMs,
    routeLatencyBucketsMs = latencyBucketsMs,
    layouts = {},
    retentionMs = 3_600_000,
    fineRetentionMs = FINE_RETENTION_MS,
    coarseBucketMs = COARSE_BUCKET_MS,
    maxHistoryBytes = Number.POSITIVE_INFINITY,
  }: TrafficWindowOptions) {
    this.latencyBucketsMs = latencyBucketsMs;
    this.routeLatencyBucketsMs = routeLatencyBucketsMs;
    this.retentionMs = retentionMs;
    this.maxHistoryBytes = maxHistoryBytes;
    this.#fineRetentionMs = fineRetentionMs;
    this.#coarseBucketMs = coarseBucketMs;
    this.#layouts = new LatencyLayouts(latencyBucketsMs, routeLatencyBucketsMs, layouts);
    this.#lifetime = new LifetimeTotals(this.#layouts);
    this.#builder = new IntervalBuilder(this.#layouts);
  }

  /**
   * The latency bounds (ms) an edge's numbers are counted in: a route's edges and edges of a
   * named layout have their own. Totals say which bounds they hold (EdgeTotals.bounds).
   */
  boundsOf(edge: TrafficEdge): readonly number[] {
    return this.#layouts.of(edge).bounds;
  }

  /** How many numbers an edge's interval entry holds. */
  valuesLength(edge: TrafficEdge): number {
    return this.#layouts.valuesLength(edge);
  }

  /** Where a series of that meaning counts in an edge's entry, or -1 (LatencyLayouts.valueIndex). */
  valueIndex(edge: TrafficEdge, meaning: TrafficMeaning): number {
    return this.#layouts.valueIndex(edge, meaning);
  }

  /** End of the newest interval, or undefined before the first one. */
  get latestEndMs(): number | undefined {
    return this.#buckets[this.#buckets.length - 1]?.endMs;
  }

  get bucketCount(): number {
    return this.#buckets.length;
  }

  /** Bytes of history kept now (see TrafficWindowOptions.maxHistoryBytes). */
  get historyBytes(): number {
    return this.#historyBytes;
  }

  /** Intervals dropped before their time since start because history held maxHistoryBytes. */
  get droppedIntervalsTotal(): number {
    return this.#droppedIntervals;
  }

  /**
   * Starts collecting the increases of one interval. One interval is open at a time: opening the
   * next drops what the open one collected unless it was committed.
   */
  openInterval(): IntervalBuilder {
    this.#builder.restart();
    return this.#builder;
  }

  /** Adds the interval (startMs, endMs]; drops what is older than the retention. */
  commit(interval: IntervalBuilder, startMs: number, endMs: number): void {
    if (interval !== this.#builder) throw new Error('TrafficWindow.commit: not an interval this window opened');
    this.#buckets.push({ startMs, endMs, entries: PackedEntries.pack(interval.entries) });
    this.#lifetime.add(interval.entries);
    // Committed once: what it collected is in the window now, and must not be added again.
    interval.close();
    this.#cache = new Map();
    const horizon = endMs - this.retentionMs;
    while (this.#buckets.length > 0 && (this.#buckets[0] as Bucket).endMs <= horizon) this.#buckets.shift();
    this.#compact(endMs);
    this.#keepWithinBudget();
  }

  /** Drops the oldest intervals while history holds more than maxHistoryBytes, the newest aside. */
  #keepWithinBudget(): void {
    let bytes = 0;
    for (const bucket of this.#buckets) bytes += bucket.entries.bytes;
    while (bytes > this.maxHistoryBytes && this.#buckets.length > 1) {
      bytes -= (this.#buckets.shift() as Bucket).entries.bytes;
      this.#droppedIntervals++;
    }
    this.#historyBytes = bytes;
  }

  /** Everything ever committed, per edge (see LifetimeTotals). */
  lifetimeTotals(): ReadonlyMap<string, Readonly<EdgeTotals>> {
    return this.#lifetime.all();
  }

  /**
   * Totals over the intervals that end within (end − windowMs, end], where end is `endMs` or the
   * newest interval's end (history asks for earlier ends). Totals to the newest end are cached
   * until the next commit, since every reader between two scrapes asks the same questions;
   * earlier ends are not (a history's hundreds of points would be held for nobody).
   */
  totals(windowMs: number, selector: SourceSelector = {}, endMs?: number): WindowTotals {
    if (endMs !== undefined && endMs !== this.latestEndMs) return this.#sum(windowMs, selector, endMs);
    // JSON, not the fields joined: a selector field may be "" (only clients of that name, i.e. none)
    // or hold any separator, and must never be answered from another selector's cached totals.
    const cacheKey = JSON.stringify([windowMs, selector.namespace ?? null, selector.kind ?? null, selector.name ?? null]);
    const cached = this.#cache.get(cacheKey);
    if (cached !== undefined) return cached;
    const result = this.#sum(windowMs, selector, undefined);
    this.#cache.set(cacheKey, result);
    return result;
  }

  #sum(windowMs: number, selector: SourceSelector, endMs: number | undefined): WindowTotals {
    const edges = new Map<string, EdgeTotals>();
    const end = endMs ?? this.latestEndMs;
    if (end === undefined) return { edges, coveredMs: 0, endMs: 0 };
    const from = end - windowMs;
    // Covered: from the oldest included interval's start to the newest one's end, so an end
    // between two intervals is not counted as time with data.
    let newestEnd: number | undefined;
    let earliestStart = end;
    for (let i = this.#buckets.length - 1; i >= 0; i--) {
      const bucket = this.#buckets[i] as Bucket;
      if (bucket.endMs > end) continue;
      if (bucket.endMs <= from) break;
      newestEnd ??= bucket.endMs;
      earliestStart = bucket.startMs;
      const { keys, offsets, values } = bucket.entries;
      keys.forEach((key, i) => {
        if (!matches(key.source, selector)) return;
        const { bounds } = this.#layouts.of(key.edge);
        let totals = edges.get(key.edgeKey);
        if (totals === undefined) {
          totals = emptyTotals(key.edge, bounds);
          edges.set(key.edgeKey, totals);
        }
        accumulateAt(totals, values, offsets[i] as number, bounds);
      });
    }
    return newestEnd === undefined ? { edges, coveredMs: 0, endMs: end } : { edges, coveredMs: newestEnd - earliestStart, endMs: newestEnd };
  }

  /** Merges fine intervals older than the fine retention into coarse, aligned buckets. */
  #compact(latestEnd: number): void {
    const fineHorizon = latestEnd - this.#fineRetentionMs;
    const merged: Bucket[] = [];
    let changed = false;
    for (const bucket of this.#buckets) {
      const previous = merged[merged.length - 1];
      const oldEnough = bucket.endMs <= fineHorizon;
      if (
        oldEnough &&
        previous !== undefined &&
        previous.endMs <= fineHorizon &&
        Math.ceil(previous.endMs / this.#coarseBucketMs) === Math.ceil(bucket.endMs / this.#coarseBucketMs)
      ) {
        merged[merged.length - 1] = mergeBuckets(previous, bucket);
        changed = true;
      } else {
        merged.push(bucket);
      }
    }
    if (changed) this.#buckets.splice(0, this.#buckets.length, ...merged);
  }
}

function mergeBuckets(older: Bucket, newer: Bucket): Bucket {
  return { startMs: older.startMs, endMs: newer.endMs, entries: PackedEntries.merge(older.entries, newer.entries) };
}

function matches(source: SourceWorkload, selector: SourceSelector): boolean {
  return (
    (selector.namespace === undefined || selector.namespace === source.namespace) &&
    (selector.kind === undefined || selector.kind === source.kind) &&
    (selector.name === undefined || selector.name === source.name)
  );
}
