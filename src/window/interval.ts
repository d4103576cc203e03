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

/** Who an entry's numbers are about; shared by every interval that has them (packed-entries.ts). */
export interface EntryKey {
  readonly edge: TrafficEdge;
  /** edgeKey(edge): what the window's totals are keyed by, whatever the layout. */
  readonly edgeKey: string;
  readonly source: SourceWorkload;
  /** The entry's key among the interval's: edge (storageKey) and client. */
  readonly id: string;
}

/** One (edge, client) of the open interval. */
export interface Entry {
  readonly key: EntryKey;
  /** [success, failure, latency sum (ms), latency bucket 0 … n-1] */
  readonly values: Float64Array;
  /** The interval that last added to it (IntervalBuilder's count): its values are that one's. */
  interval: number;
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

/**
 * Intervals an entry may go without increases before it is forgotten. Idle entries are swept
 * every this many intervals, so one is forgotten after this many to twice this many.
 */
const ENTRY_IDLE_INTERVALS = 60;

/**
 * Collects one interval's increases; only edges that had traffic get an entry. One builder
 * serves interval after interval: its entries and their arrays stay from one to the next, so a
 * cycle makes no new objects for the (edge, client) pairs it saw the cycle before. Built anew
 * every cycle they were some 1,400 objects and arrays at 100 clients, alive to the cycle's end
 * and so moved to the old generation by every scavenge of a cycle (BENCHMARKS.md).
 */
export class IntervalBuilder {
  readonly #layouts: LatencyLayouts;
  /** Every entry with increases in the last ENTRY_IDLE_INTERVALS to twice that many intervals, by EntryKey.id. */
  readonly #all = new Map<string, Entry>();
  #added: Entry[] = [];
  #interval = 1;
  #forgotten = 0;

  constructor(layouts: LatencyLayouts) {
    this.#layouts = layouts;
  }

  /** The entries with increases in the open interval, in the order they first had one. */
  get entries(): readonly Entry[] {
    return this.#added;
  }

  /** Entries held (see #all). */
  get size(): number {
    return this.#all.size;
  }

  /** How many entries have been forgotten so far: an entry kept from before it moved may be gone. */
  get forgotten(): number {
    return this.#forgotten;
  }

  /** Ends the open interval: its increases are let go (the window has packed what it keeps). */
  close(): void {
    for (const entry of this.#added) entry.values.fill(0);
    this.#added = [];
  }

  /**
   * Starts the next interval: the open one's increases are let go unless the window took them,
   * and entries without increases for a while are forgotten.
   */
  restart(): void {
    this.close();
    this.#interval++;
    if (this.#interval % ENTRY_IDLE_INTERVALS !== 0) return;
    for (const [id, entry] of this.#all) {
      if (this.#interval - entry.interval <= ENTRY_IDLE_INTERVALS) continue;
      this.#all.delete(id);
      this.#forgotten++;
    }
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

  /** Adds `values` to an entry entryOf() gave since `forgotten` last moved. */
  addTo(entry: Entry, values: Float64Array): void {
    addInto(this.#opened(entry), values);
  }

  /** The entry of one edge and client, created empty on first need. */
  entryOf(edge: TrafficEdge, key: string, source: SourceWorkload, sourceKey: string): Entry {
    const id = `${key}\u0000${sourceKey}`;
    let entry = this.#all.get(id);
    if (entry === undefined) {
      const edgeKeyOfEdge = edge.layout === undefined ? key : edgeKey(edge);
      entry = { key: { edge, edgeKey: edgeKeyOfEdge, source, id }, values: new Float64Array(this.#layouts.valuesLength(edge)), interval: 0 };
      this.#all.set(id, entry);
    }
    return entry;
  }

  #values(edge: TrafficEdge, source: SourceWorkload): Float64Array {
    return this.#opened(this.entryOf(edge, storageKey(edge), source, sourceKeyOf(source)));
  }

  /** The entry, listed among the open interval's once it gets increases. */
  #opened(entry: Entry): Float64Array {
    if (entry.interval !== this.#interval) {
      entry.interval = this.#interval;
      this.#added.push(entry);
    }
    return entry.values;
  }
}

function addInto(target: Float64Array, values: Float64Array): void {
  for (let i = 0; i < target.length; i++) target[i] = (target[i] as number) + (values[i] as number);
}

/**
 * One client's entries, found by the edge's key alone. A scrape engine keeps one per target: a
 * page adds to a dozen edges, and finding each among the builder's (edges × clients) entries
 * by a key built for the purpose cost more than the page's sums.
 */
export class ClientEntries {
  #builder: IntervalBuilder | undefined;
  #forgotten = 0;
  #sourceKey = '';
  readonly #byEdge = new Map<string, Entry>();

  add(interval: IntervalBuilder, edge: TrafficEdge, key: string, source: SourceWorkload, sourceKey: string, values: Float64Array): void {
    if (interval !== this.#builder || interval.forgotten !== this.#forgotten || sourceKey !== this.#sourceKey) {
      // Entries found before may be gone from the builder, or be another client's.
      this.#builder = interval;
      this.#forgotten = interval.forgotten;
      this.#sourceKey = sourceKey;
      this.#byEdge.clear();
    }
    let entry = this.#byEdge.get(key);
    if (entry === undefined) {
      entry = interval.entryOf(edge, key, source, sourceKey);
      this.#byEdge.set(key, entry);
    }
    interval.addTo(entry, values);
  }
}

/** A client workload's identity in interval entries. */
export function sourceKeyOf(source: SourceWorkload): string {
  return `${source.namespace}/${source.kind}/${source.name}`;
}
