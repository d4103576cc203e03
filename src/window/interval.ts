// One scrape cycle's increases, per (edge, client workload) with traffic: what the ingest loop
// fills and the traffic window and the lifetime counters take in.
import type { SeriesMeaning, TrafficEdge } from '../mesh/index.js';
import { edgeKey, storageKey } from '../mesh/index.js';
import { FAILURE, FIRST_LATENCY, LATENCY_SUM, SUCCESS } from './edge-totals.js';

/** The client side of traffic: the scraped pod's workload, for `--from` filtering. */
export interface SourceWorkload {
  readonly namespace: string;
  /** Lower-case kind (`deployment`, …), or `pod` when the pod has no known owner. */
  readonly kind: string;
  readonly name: string;
}

/** Which clients to count: every field given must match. */
export interface SourceSelector {
  readonly namespace?: string | undefined;
  readonly kind?: string | undefined;
  readonly name?: string | undefined;
}

export interface Entry {
  readonly edge: TrafficEdge;
  /** edgeKey(edge): what the window's totals are keyed by, whatever the layout. */
  readonly edgeKey: string;
  readonly source: SourceWorkload;
  /** [success, failure, latency sum (ms), latency bucket 0 … n-1] */
  readonly values: Float64Array;
}

/** One histogram layout: its bounds (ms) and where each bound sits. */
export interface LatencyLayout {
  readonly bounds: readonly number[];
  readonly index: ReadonlyMap<number, number>;
}

/**
 * The histogram layouts of a window: one for edges a proxy names by apex or leaf, one for edges
 * of a route (Linkerd keeps a second-based histogram for those), and one per further name an
 * edge may carry (TrafficEdge.layout: the mesh of the clients that counted it, MeshAdapter.layouts).
 * An entry keeps one layout for life, since the layout is part of its key (storageKey).
 */
export class LatencyLayouts {
  readonly #plain: LatencyLayout;
  readonly #route: LatencyLayout;
  readonly #named: ReadonlyMap<string, LatencyLayout>;

  constructor(plain: readonly number[], route: readonly number[], named: Readonly<Record<string, readonly number[]>> = {}) {
    this.#plain = layout(plain);
    this.#route = layout(route);
    this.#named = new Map(Object.entries(named).map(([name, bounds]) => [name, layout(bounds)]));
  }

  of(edge: TrafficEdge): LatencyLayout {
    if (edge.layout !== undefined) {
      const named = this.#named.get(edge.layout);
      // Adapters declare every layout their meanings name; anything else is a bug, not input.
      if (named === undefined) throw new Error(`no latency layout named ${JSON.stringify(edge.layout)}`);
      return named;
    }
    return edge.route === undefined ? this.#plain : this.#route;
  }

  /** How many numbers an edge's interval entry holds. */
  valuesLength(edge: TrafficEdge): number {
    return FIRST_LATENCY + this.of(edge).bounds.length;
  }

  /**
   * Where an increase of a series of that meaning goes in an edge's entry, or -1 for a latency
   * bound the edge's layout lacks.
   */
  valueIndex(edge: TrafficEdge, meaning: TrafficMeaning): number {
    if (meaning.kind === 'response') return meaning.outcome === 'success' ? SUCCESS : FAILURE;
    if (meaning.kind === 'latency-sum') return LATENCY_SUM;
    const index = this.of(edge).index.get(meaning.leMs);
    return index === undefined ? -1 : FIRST_LATENCY + index;
  }
}

/** What a series of traffic counts: responses, a latency bucket or the latency sum. */
export type TrafficMeaning = Exclude<SeriesMeaning, { kind: 'concrete' }>;

function layout(bounds: readonly number[]): LatencyLayout {
  return { bounds, index: new Map(bounds.map((le, i) => [le, i])) };
}

/** Collects one interval's increases; only edges that had traffic get an entry. */
export class IntervalBuilder {
  readonly entries = new Map<string, Entry>();
  readonly #layouts: LatencyLayouts;

  constructor(layouts: LatencyLayouts) {
    this.#layouts = layouts;
  }

  addResponses(edge: TrafficEdge, source: SourceWorkload, outcome: 'success' | 'failure', delta: number): void {
    if (delta === 0) return;
    const values = this.#values(edge, source);
    values[outcome === 'success' ? SUCCESS : FAILURE] = (values[outcome === 'success' ? SUCCESS : FAILURE] as number) + delta;
  }

  addLatencySum(edge: TrafficEdge, source: SourceWorkload, deltaMs: number): void {
    if (deltaMs === 0) return;
    const values = this.#values(edge, source);
    values[LATENCY_SUM] = (values[LATENCY_SUM] as number) + deltaMs;
  }

  addLatency(edge: TrafficEdge, source: SourceWorkload, leMs: number, delta: number): void {
    if (delta === 0) return;
    const index = this.#layouts.of(edge).index.get(leMs);
    if (index === undefined) return;
    const values = this.#values(edge, source);
    values[FIRST_LATENCY + index] = (values[FIRST_LATENCY + index] as number) + delta;
  }

  /**
   * Adds a page's increases for one edge and client at once: `values` in the entry's layout,
   * `key` the edge's storageKey() and `sourceKey` the client's sourceKey().
   */
  addValues(edge: TrafficEdge, key: string, source: SourceWorkload, sourceKey: string, values: Float64Array): void {
    addInto(this.valuesOf(edge, key, source, sourceKey), values);
  }

  /** The numbers of one edge and client in this interval, created empty on first need. */
  valuesOf(edge: TrafficEdge, key: string, source: SourceWorkload, sourceKey: string): Float64Array {
    return this.#values(edge, source, key, sourceKey);
  }

  #values(edge: TrafficEdge, source: SourceWorkload, key = storageKey(edge), sourceKey = sourceKeyOf(source)): Float64Array {
    const entryKey = `${key}\u0000${sourceKey}`;
    let entry = this.entries.get(entryKey);
    if (entry === undefined) {
      entry = { edge, edgeKey: edge.layout === undefined ? key : edgeKey(edge), source, values: new Float64Array(this.#layouts.valuesLength(edge)) };
      this.entries.set(entryKey, entry);
    }
    return entry.values;
  }
}

function addInto(target: Float64Array, values: Float64Array): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) + (values[i] as number);
}

/**
 * One client's entries in the open interval, found by the edge's key alone. A scrape engine
 * keeps one per target: a page adds to a dozen edges, and finding each among the interval's
 * (edges × clients) entries by a key built for the purpose cost more than the page's sums.
 */
export class ClientEntries {
  #interval: IntervalBuilder | undefined;
  #byEdge = new Map<string, Float64Array>();

  add(interval: IntervalBuilder, edge: TrafficEdge, key: string, source: SourceWorkload, sourceKey: string, values: Float64Array): void {
    if (interval !== this.#interval) {
      this.#interval = interval;
      this.#byEdge = new Map();
    }
    let target = this.#byEdge.get(key);
    if (target === undefined) {
      target = interval.valuesOf(edge, key, source, sourceKey);
      this.#byEdge.set(key, target);
    }
    addInto(target, values);
  }
}

/** A client workload's identity in interval entries. */
export function sourceKeyOf(source: SourceWorkload): string {
  return `${source.namespace}/${source.kind}/${source.name}`;
}
