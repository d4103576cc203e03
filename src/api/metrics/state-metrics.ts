// Gauges and counters whose series are regenerated from the service's state at every scrape, the
// way kube-state-metrics builds its families from informer state: a series whose object is gone
// (a deleted split, a removed backend) is simply not emitted again, with no bookkeeping of what
// was emitted last time.
//
// Each family is a small metric object of its own speaking the registry's collector protocol
// (`name`, `get()`, `reset()`), as snapshot-histogram.ts does, rather than a prom-client Gauge or
// Counter: those key their series by the label values joined with `,` and `:` unescaped, so the
// splits `a`/`b,trafficsplit:c` and `a,trafficsplit:b`/`c` (names only manifests can hold) were one
// series, and one split's counts were added to the other's.
import type { Metric, Registry } from 'prom-client';
import { collected } from './collected.js';
import type { Collected, CollectedSample } from './collected.js';

export type Emit<L extends string> = (labels: Readonly<Record<L, string>>, value: number) => void;

export interface StateFamily<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** Emits every current series of the family; called once per scrape, synchronously. */
  readonly collect: (emit: Emit<L>) => void;
}

class StateMetric<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly #labelNames: readonly L[];
  readonly #collect: (emit: Emit<L>) => void;
  readonly #accepts: (value: number) => boolean;

  constructor(type: 'gauge' | 'counter', { name, help, labelNames, collect }: StateFamily<L>) {
    this.name = name;
    this.help = help;
    this.type = type;
    this.#labelNames = labelNames;
    this.#collect = collect;
    // A value a family cannot print (a gauge that is not finite, a counter that is not a finite
    // non-negative number) leaves out that one series: one bad number never fails the whole page.
    // The sources keep their numbers finite (counter-state.ts), so this is the last line only.
    this.#accepts = type === 'gauge' ? Number.isFinite : (value) => Number.isFinite(value) && value >= 0;
  }

  get(): Promise<Collected> {
    return collected({ name: this.name, help: this.help, type: this.type }, () => this.#samples());
  }

  /** Nothing is kept between scrapes, so there is nothing to reset. */
  reset(): void {}

  #samples(): CollectedSample[] {
    // The same labels twice are one series, as they were under prom-client: a gauge keeps the
    // last value, a counter the sum. The key is unambiguous whatever the values hold.
    const series = new Map<string, CollectedSample>();
    this.#collect((labels, value) => {
      if (!this.#accepts(value)) return;
      const key = JSON.stringify(this.#labelNames.map((label) => labels[label]));
      const existing = series.get(key);
      if (existing === undefined) series.set(key, { labels: { ...labels }, value });
      else existing.value = this.type === 'gauge' ? value : existing.value + value;
    });
    return [...series.values()];
  }
}

function register<L extends string>(registry: Registry, metric: StateMetric<L>): void {
  // prom-client types registerMetric() as taking only its own four classes, while its registry
  // needs no more than the protocol implemented above.
  registry.registerMetric(metric as unknown as Metric);
}

export function stateGauge<L extends string>(registry: Registry, family: StateFamily<L>): void {
  register(registry, new StateMetric('gauge', family));
}

/**
 * A counter read from a running total kept elsewhere (the engine, the traffic window). The total
 * is monotonic at its source, so re-emitting it each scrape is a proper Prometheus counter.
 */
export function stateCounter<L extends string>(registry: Registry, family: StateFamily<L>): void {
  register(registry, new StateMetric('counter', family));
}
