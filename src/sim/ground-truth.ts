// The simulator's exact record of what happened, independent of any proxy's counters (a proxy
// restart loses counts; the truth never does). Snapshots are cheap — counts and log lengths —
// and two snapshots give the exact requests between them:
//
//   const mark = sim.truth();
//   sim.advance(60_000);
//   const window = sim.truthSince(mark);          // same as sim.truth().since(mark)
//   window.select({ namespace: 'default', apex: 'web', leaf: 'web-v2' }).quantileMs(0.99);
//
// A request is in the cell of the split its client called, whatever kind: an HTTPRoute split's
// requests are its own, never a TrafficSplit's, though a 2.17 proxy counts them in two families.
// What a consumer reads from a real page is the histogram of the family it uses for the kind:
// histogramQuantile(q, outcomes.bucketCounts(latencyBucketsMsOf(kind))) is the quantile it must find.
import { LATENCY_BUCKETS_MS, ROUTE_LATENCY_BUCKETS_MS } from './proxy-counters.js';
import type { ScenarioSplitKind } from './scenario-schema.js';

/**
 * The bounds (ms, +Inf implied) of the proxy histogram a split's latency is read from: a
 * TrafficSplit's from response_latency_ms, an HTTPRoute's from its route-backend histogram.
 */
export function latencyBucketsMsOf(kind: ScenarioSplitKind): readonly number[] {
  return kind === 'HTTPRoute' ? ROUTE_LATENCY_BUCKETS_MS : LATENCY_BUCKETS_MS;
}

/** Append-only latency samples (whole ms), stored compactly; slices of it stay valid forever. */
export class LatencyLog {
  private data = new Uint32Array(16);
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(ms: number): void {
    if (this.size === this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.size++] = ms;
  }

  /** Copies samples [from, to) onto `into`. */
  copy(from: number, to: number, into: number[]): void {
    for (let i = from; i < to; i++) into.push(this.data[i] ?? 0);
  }
}

export interface ClientPodRef {
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  readonly pod: string;
}

/** One (split, leaf, client pod) cell: the finest grain the simulator records. */
export interface TruthKey {
  /** The split's namespace, which is also the leaf's (dst_namespace). */
  readonly namespace: string;
  readonly kind: ScenarioSplitKind;
  /** The TrafficSplit's name, or the HTTPRoute's. */
  readonly split: string;
  readonly apex: string;
  readonly leaf: string;
  readonly client: ClientPodRef;
}

/** Live counters of one cell, mutated by the simulator. */
export class TruthCell {
  success = 0;
  failure = 0;
  readonly latencies = new LatencyLog();
  constructor(readonly key: TruthKey) {}
}

/** Which cells to add up; every field left out matches everything. */
export interface TruthFilter {
  readonly namespace?: string;
  readonly kind?: ScenarioSplitKind;
  readonly split?: string;
  readonly apex?: string;
  readonly leaf?: string;
  readonly clientNamespace?: string;
  /** `kind/name` or just `name` of the client workload. */
  readonly clientWorkload?: string;
  readonly clientPod?: string;
}

/** Exact outcomes of a set of requests. */
export class Outcomes {
  constructor(
    readonly success: number,
    readonly failure: number,
    /** Latency of every request, in ms; issue order within a pod, pods one after another. */
    readonly latenciesMs: readonly number[],
  ) {}

  get total(): number {
    return this.success + this.failure;
  }

  /** success / total, or undefined when there were no requests. */
  get successRate(): number | undefined {
    return this.total === 0 ? undefined : this.success / this.total;
  }

  get latencySumMs(): number {
    let sum = 0;
    for (const ms of this.latenciesMs) sum += ms;
    return sum;
  }

  /** Requests per second over a window of `windowMs`. */
  rps(windowMs: number): number {
    return this.total / (windowMs / 1000);
  }

  /**
   * The exact q-quantile by nearest rank: the smallest sample with at least q·n samples at or
   * below it. Undefined without samples.
   */
  quantileMs(q: number): number | undefined {
    if (this.latenciesMs.length === 0) return undefined;
    const sorted = [...this.latenciesMs].sort((a, b) => a - b);
    const rank = Math.max(1, Math.ceil(q * sorted.length));
    return sorted[Math.min(rank, sorted.length) - 1];
  }

  /**
   * Cumulative counts per bucket bound, as a proxy histogram with these bounds would show them
   * (`le` = Infinity last), so tests can run histogram_quantile on the truth itself. The default
   * is response_latency_ms's layout; pass latencyBucketsMsOf('HTTPRoute') for a route's.
   */
  bucketCounts(boundsMs: readonly number[] = LATENCY_BUCKETS_MS): { le: number; count: number }[] {
    const bounds = [...boundsMs, Infinity];
    const perBucket = new Array<number>(bounds.length).fill(0);
    for (const ms of this.latenciesMs) {
      const index = bounds.findIndex((bound) => ms <= bound);
      perBucket[index] = (perBucket[index] ?? 0) + 1;
    }
    let cumulative = 0;
    return bounds.map((le, i) => ({ le, count: (cumulative += perBucket[i] ?? 0) }));
  }
}

/** A cell's share of a snapshot or window. */
export class TruthSeries {
  constructor(
    readonly key: TruthKey,
    readonly success: number,
    readonly failure: number,
    private readonly log: LatencyLog,
    private readonly from: number,
    private readonly to: number,
  ) {}

  get total(): number {
    return this.success + this.failure;
  }

  /** @internal Where this series' samples live, for since(). */
  position(): { log: LatencyLog; to: number } {
    return { log: this.log, to: this.to };
  }

  latenciesMs(): number[] {
    const samples: number[] = [];
    this.log.copy(this.from, this.to, samples);
    return samples;
  }

  appendLatencies(into: number[]): void {
    this.log.copy(this.from, this.to, into);
  }
}

export interface LeafTruth {
  readonly namespace: string;
  readonly kind: ScenarioSplitKind;
  readonly split: string;
  readonly apex: string;
  readonly leaf: string;
  readonly outcomes: Outcomes;
}

export interface ClientTruth {
  readonly namespace: string;
  readonly kind: string;
  readonly name: string;
  readonly outcomes: Outcomes;
}

/** Exact truth over [fromMs, toMs] of simulated time (a snapshot since start has fromMs 0). */
export class GroundTruth {
  constructor(
    readonly fromMs: number,
    readonly toMs: number,
    readonly series: readonly TruthSeries[],
  ) {}

  get windowMs(): number {
    return this.toMs - this.fromMs;
  }

  /** Everything that matches the filter, added up. */
  select(filter: TruthFilter = {}): Outcomes {
    return sum(this.series.filter((series) => matches(series.key, filter)));
  }

  /**
   * Per (namespace, split, leaf), summed over clients. Every declared backend of a split that some
   * client calls is there, with zero counts when it got no requests.
   */
  leaves(): LeafTruth[] {
    const groups = new Map<string, TruthSeries[]>();
    for (const series of this.series) {
      const { namespace, kind, split, leaf } = series.key;
      push(groups, `${namespace}/${kind}/${split}/${leaf}`, series);
    }
    return [...groups.values()].map((group) => {
      const { namespace, kind, split, apex, leaf } = group[0]!.key;
      return { namespace, kind, split, apex, leaf, outcomes: sum(group) };
    });
  }

  /** Per client workload, summed over its pods and every split it calls. */
  clients(): ClientTruth[] {
    const groups = new Map<string, TruthSeries[]>();
    for (const series of this.series) {
      const { namespace, kind, name } = series.key.client;
      push(groups, `${namespace}/${kind}/${name}`, series);
    }
    return [...groups.values()].map((group) => {
      const { namespace, kind, name } = group[0]!.key.client;
      return { namespace, kind, name, outcomes: sum(group) };
    });
  }

  /** The requests after `earlier` up to this snapshot. Both must come from one simulator. */
  since(earlier: GroundTruth): GroundTruth {
    if (earlier.toMs > this.toMs) throw new RangeError(`cannot take truth since ${earlier.toMs} ms from a snapshot at ${this.toMs} ms`);
    const before = new Map<LatencyLog, TruthSeries>();
    for (const series of earlier.series) before.set(series.position().log, series);
    const window = this.series.map((series) => {
      const { log, to } = series.position();
      const base = before.get(log);
      before.delete(log);
      if (base === undefined) return new TruthSeries(series.key, series.success, series.failure, log, 0, to);
      return new TruthSeries(series.key, series.success - base.success, series.failure - base.failure, log, base.position().to, to);
    });
    if (before.size > 0) throw new Error('the earlier truth snapshot comes from another simulator');
    return new GroundTruth(earlier.toMs, this.toMs, window);
  }
}

export function snapshot(cells: readonly TruthCell[], atMs: number): GroundTruth {
  return new GroundTruth(
    0,
    atMs,
    cells.map((cell) => new TruthSeries(cell.key, cell.success, cell.failure, cell.latencies, 0, cell.latencies.length)),
  );
}

function matches(key: TruthKey, filter: TruthFilter): boolean {
  const { client } = key;
  return (
    (filter.namespace === undefined || filter.namespace === key.namespace) &&
    (filter.kind === undefined || filter.kind === key.kind) &&
    (filter.split === undefined || filter.split === key.split) &&
    (filter.apex === undefined || filter.apex === key.apex) &&
    (filter.leaf === undefined || filter.leaf === key.leaf) &&
    (filter.clientNamespace === undefined || filter.clientNamespace === client.namespace) &&
    (filter.clientWorkload === undefined || filter.clientWorkload === client.name || filter.clientWorkload === `${client.kind}/${client.name}`) &&
    (filter.clientPod === undefined || filter.clientPod === client.pod)
  );
}

function sum(series: readonly TruthSeries[]): Outcomes {
  let success = 0;
  let failure = 0;
  const latencies: number[] = [];
  for (const one of series) {
    success += one.success;
    failure += one.failure;
    one.appendLatencies(latencies);
  }
  return new Outcomes(success, failure, latencies);
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
