// A histogram family whose buckets, sum and count come from counts kept elsewhere (the traffic
// window's lifetime totals). prom-client's Histogram can only `observe()` one value at a time and
// has no way to set cumulative bucket counts, so this is a small metric object of its own that
// speaks the registry's collector protocol: `name`, `get()` giving the samples, `reset()`.
import type { Metric, Registry } from 'prom-client';
import { collected } from './collected.js';
import type { Collected, CollectedSample } from './collected.js';

export interface HistogramSeries<L extends string> {
  readonly labels: Readonly<Record<L, string>>;
  /** Cumulative bucket counts, aligned with the series' bounds; the last bound is +Inf. */
  readonly buckets: ArrayLike<number>;
  /**
   * This series' own `le` values, when its source histogram has other bounds than the family's
   * (each series of a classic histogram is read on its own, so Prometheus takes this).
   */
  readonly bounds?: readonly string[] | undefined;
  /** Sum of the observed values, in the family's unit. */
  readonly sum: number;
}

export interface SnapshotHistogramOptions<L extends string> {
  readonly name: string;
  readonly help: string;
  /** `le` label values, ascending, the last one "+Inf". */
  readonly bounds: readonly string[];
  /** Every current series; called once per scrape. */
  readonly series: () => Iterable<HistogramSeries<L>>;
}

class SnapshotHistogram<L extends string> {
  readonly type = 'histogram';
  readonly name: string;
  readonly help: string;
  readonly #bounds: readonly string[];
  readonly #series: () => Iterable<HistogramSeries<L>>;

  constructor({ name, help, bounds, series }: SnapshotHistogramOptions<L>) {
    if (bounds[bounds.length - 1] !== '+Inf') throw new Error(`histogram ${name}: the last bucket must be +Inf`);
    this.name = name;
    this.help = help;
    this.#bounds = bounds;
    this.#series = series;
  }

  get(): Promise<Collected> {
    return collected({ name: this.name, help: this.help, type: this.type }, () => this.#samples());
  }

  /** Nothing is kept between scrapes, so there is nothing to reset. */
  reset(): void {}

  #samples(): CollectedSample[] {
    const samples: CollectedSample[] = [];
    for (const { labels, buckets, sum, bounds = this.#bounds } of this.#series()) {
      const inf = bounds.length - 1;
      for (let i = 0; i < bounds.length; i++) {
        samples.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: bounds[i] as string }, value: buckets[i] ?? 0 });
      }
      samples.push({ metricName: `${this.name}_sum`, labels, value: sum });
      // By definition of the format, the count is the +Inf bucket.
      samples.push({ metricName: `${this.name}_count`, labels, value: buckets[inf] ?? 0 });
    }
    return samples;
  }
}

export function snapshotHistogram<L extends string>(registry: Registry, options: SnapshotHistogramOptions<L>): void {
  // prom-client types registerMetric() as taking only its own four classes, while its registry
  // needs no more than the protocol implemented above; this is the one place that bridges the two.
  registry.registerMetric(new SnapshotHistogram(options) as unknown as Metric);
}
