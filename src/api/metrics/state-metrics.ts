// Gauges and counters whose series are regenerated from the service's state at every scrape, the
// way kube-state-metrics builds its families from informer state. prom-client's `collect()` hook
// runs just before a metric is read; resetting there and refilling from state means a series
// whose object is gone (a deleted split, a removed backend) is simply not emitted again, with no
// bookkeeping of what was emitted last time and no stale series kept by prom-client.
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

export type Emit<L extends string> = (labels: Readonly<Record<L, string>>, value: number) => void;

export interface StateFamily<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
  /** Emits every current series of the family; called once per scrape, synchronously. */
  readonly collect: (emit: Emit<L>) => void;
}

// A value a family cannot print (a gauge that is not finite, a counter that is not a finite
// non-negative number) leaves out that one series: one bad number never fails the whole page.
// The sources keep their numbers finite (counter-state.ts), so this is the last line only.

export function stateGauge<L extends string>(registry: Registry, { collect, ...config }: StateFamily<L>): Gauge<L> {
  return new Gauge<L>({
    ...config,
    registers: [registry],
    collect() {
      this.reset();
      collect((labels, value) => {
        if (Number.isFinite(value)) this.set(labels, value);
      });
    },
  });
}

/**
 * A counter read from a running total kept elsewhere (the engine, the traffic window). The total
 * is monotonic at its source, so re-emitting it each scrape is a proper Prometheus counter.
 */
export function stateCounter<L extends string>(registry: Registry, { collect, ...config }: StateFamily<L>): Counter<L> {
  return new Counter<L>({
    ...config,
    registers: [registry],
    collect() {
      this.reset();
      collect((labels, value) => {
        if (Number.isFinite(value) && value >= 0) this.inc(labels, value);
      });
    },
  });
}
