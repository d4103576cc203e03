// Where one page's increases are summed before they reach the interval. A page of a busy client
// proxy holds some 800 series of split traffic, but only a dozen edges: each series' meaning is
// compiled once (shared by every target listing it, series-pool.ts) into the edge it counts
// for and the place in that edge's numbers, so a sample costs one addition, and the interval is
// asked once per edge and page instead of once per sample. The page's sums wait until the page
// is known to be usable (a page with a series twice is not taken).
import type { SeriesMeaning, TrafficEdge } from '../mesh/index.js';
import { storageKey } from '../mesh/index.js';
import type { ClientEntries, IntervalBuilder, SourceWorkload, TrafficWindow } from '../window/index.js';

/** One edge's increases on the page being read. */
export interface EdgeSink {
  readonly edge: TrafficEdge;
  /** storageKey(edge): an edge of two layouts has a sink per layout. */
  readonly key: string;
  readonly values: Float64Array;
  /** The page that last added to it. */
  page: number;
  /** Whether the edge is a split's (keepEdge), as asked in cycle `keptCycle`. */
  kept: boolean;
  keptCycle: number;
  /** The last cycle a series compiled to it was read (see endCycle). */
  usedCycle: number;
}

/** A leaf's increases on the page being read, whose edges the page's end decides. */
export interface LeafSink {
  /** null: the client's own namespace (SeriesDestination). */
  readonly namespace: string | null;
  readonly leaf: string;
  /** The layout its series were counted in (TrafficEdge.layout), given to every edge it stands for. */
  readonly layout: string | undefined;
  /** Its mesh names no route: HTTPRoute splits listing the leaf stand for it too (SeriesDestination). */
  readonly routeless: boolean;
  readonly values: Float64Array;
  page: number;
  usedCycle: number;
}

interface Counted {
  /** Where in the sink's numbers an increase goes (-1: a bound the edge's layout lacks). */
  readonly index: number;
  /** Multiplies each increase: the unit of a latency sum in ms, else 1. */
  readonly scale: number;
  /** Whether the series is a latency bucket (its bound, `leMs`, is checked for order). */
  readonly latency: boolean;
  readonly leMs: number;
}

/** What a series means, made ready for the page's sums. */
export type CompiledMeaning =
  | (Counted & { readonly kind: 'edge'; readonly sink: EdgeSink })
  | (Counted & { readonly kind: 'leaf'; readonly sink: LeafSink })
  /** A balancer from the Service `parent` to the leaf `leafKey` (`namespace/leaf`). */
  | { readonly kind: 'concrete'; readonly leafKey: string; readonly parent: string };

/** Cycles a sink may go unused before it is forgotten (a series compiled to it then gets a new one). */
const SINK_IDLE_CYCLES = 60;

export class PageSinks {
  readonly #window: TrafficWindow;
  readonly #edges = new Map<string, EdgeSink>();
  readonly #leaves = new Map<string, LeafSink>();
  #page = 0;
  #cycle = 0;
  readonly #touchedEdges: EdgeSink[] = [];
  readonly #touchedLeaves: LeafSink[] = [];

  constructor(window: TrafficWindow) {
    this.#window = window;
  }

  /** The compiled form of a series' meaning (once per series and reading). */
  compile(meaning: SeriesMeaning | null): CompiledMeaning | null {
    if (meaning === null) return null;
    if (meaning.kind === 'concrete') return { kind: 'concrete', leafKey: `${meaning.namespace}/${meaning.leaf}`, parent: meaning.parent };
    const latency = meaning.kind === 'latency';
    const leMs = latency ? meaning.leMs : Number.NaN;
    const scale = meaning.kind === 'latency-sum' ? (meaning.unitMs ?? 1) : 1;
    const { to } = meaning;
    if (to.kind === 'edge') {
      const sink = this.#edgeSink(to.edge);
      return { kind: 'edge', sink, index: this.#window.valueIndex(to.edge, meaning), scale, latency, leMs };
    }
    const sink = this.#leafSink(to.namespace, to.leaf, to.layout, to.routeless === true);
    // A leaf stands for edges without a route: their layout is the plain one, or the one it names.
    const asEdge: TrafficEdge = { apexNamespace: to.namespace ?? '', apex: to.leaf, leaf: to.leaf, layout: to.layout };
    return { kind: 'leaf', sink, index: this.#window.valueIndex(asEdge, meaning), scale, latency, leMs };
  }

  #edgeSink(edge: TrafficEdge): EdgeSink {
    const key = storageKey(edge);
    let sink = this.#edges.get(key);
    if (sink === undefined) {
      sink = { edge, key, values: new Float64Array(this.#window.valuesLength(edge)), page: 0, kept: false, keptCycle: -1, usedCycle: this.#cycle };
      this.#edges.set(key, sink);
    }
    return sink;
  }

  #leafSink(namespace: string | null, leaf: string, layout: string | undefined, routeless: boolean): LeafSink {
    // No namespace is empty: '' stands for the client's own.
    const base = `${namespace ?? ''}/${leaf}${routeless ? '~~' : ''}`;
    const key = layout === undefined ? base : `${base}~${layout}`;
    let sink = this.#leaves.get(key);
    if (sink === undefined) {
      const asEdge: TrafficEdge = { apexNamespace: namespace ?? '', apex: leaf, leaf, layout };
      sink = { namespace, leaf, layout, routeless, values: new Float64Array(this.#window.valuesLength(asEdge)), page: 0, usedCycle: this.#cycle };
      this.#leaves.set(key, sink);
    }
    return sink;
  }

  /** Whether the edge is kept, asking `keepEdge` at most once per cycle. */
  kept(sink: EdgeSink, cycle: number, keepEdge: ((edge: TrafficEdge) => boolean) | undefined): boolean {
    if (sink.keptCycle !== cycle) {
      sink.kept = keepEdge === undefined || keepEdge(sink.edge);
      sink.keptCycle = cycle;
    }
    return sink.kept;
  }

  beginPage(): void {
    this.#page++;
    this.#touchedEdges.length = 0;
    this.#touchedLeaves.length = 0;
  }

  /** One increase of a counted series (index ≥ 0, delta > 0). */
  add(meaning: Exclude<CompiledMeaning, { kind: 'concrete' }>, delta: number): void {
    const sink = meaning.sink;
    if (sink.page !== this.#page) {
      sink.page = this.#page;
      sink.usedCycle = this.#cycle;
      if (meaning.kind === 'edge') this.#touchedEdges.push(meaning.sink);
      else this.#touchedLeaves.push(meaning.sink);
    }
    sink.values[meaning.index] = (sink.values[meaning.index] as number) + delta * meaning.scale;
  }

  /** The page is not taken: its sums are dropped. */
  discardPage(): void {
    for (const sink of this.#touchedEdges) sink.values.fill(0);
    for (const sink of this.#touchedLeaves) sink.values.fill(0);
    this.beginPage();
  }

  /** The page is taken: its sums go to the interval, a leaf's to each edge `edgesOf` gives it. */
  commitPage(
    interval: IntervalBuilder,
    client: { readonly source: SourceWorkload; readonly sourceKey: string; readonly entries: ClientEntries },
    edgesOf: (namespace: string, leaf: string, routeless: boolean) => readonly TrafficEdge[],
  ): void {
    const { source, sourceKey, entries } = client;
    for (const sink of this.#touchedEdges) {
      entries.add(interval, sink.edge, sink.key, source, sourceKey, sink.values);
      sink.values.fill(0);
    }
    for (const sink of this.#touchedLeaves) {
      // A leaf the series named without a namespace is the one in the client's own.
      for (const splitEdge of edgesOf(sink.namespace ?? source.namespace, sink.leaf, sink.routeless)) {
        const edge = sink.layout === undefined ? splitEdge : { ...splitEdge, layout: sink.layout };
        entries.add(interval, edge, storageKey(edge), source, sourceKey, sink.values);
      }
      sink.values.fill(0);
    }
    this.beginPage();
  }

  /**
   * Forgets sinks no series has used for a while, so edges that are gone do not pile up. A
   * series still compiled to a forgotten sink keeps using it; sums still reach the interval by
   * the edge's key, so two sinks of one edge add up correctly.
   */
  endCycle(cycle: number): void {
    this.#cycle = cycle;
    for (const [key, sink] of this.#edges) if (cycle - sink.usedCycle > SINK_IDLE_CYCLES) this.#edges.delete(key);
    for (const [key, sink] of this.#leaves) if (cycle - sink.usedCycle > SINK_IDLE_CYCLES) this.#leaves.delete(key);
  }
}
