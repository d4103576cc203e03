// Everything ever committed, per edge, never reset: the counters `/metrics` exports, so that
// Prometheus can take rates and sum shards like any other counter. Kept apart from the window,
// which forgets what is older than its retention.
import type { EdgeTotals } from './edge-totals.js';
import { accumulate, emptyTotals } from './edge-totals.js';
import type { Entry, LatencyLayouts } from './interval.js';

export class LifetimeTotals {
  readonly #layouts: LatencyLayouts;
  readonly #totals = new Map<string, EdgeTotals>();

  constructor(layouts: LatencyLayouts) {
    this.#layouts = layouts;
  }

  add(entries: Iterable<Entry>): void {
    for (const { key, values } of entries) {
      const { bounds } = this.#layouts.of(key.edge);
      let totals = this.#totals.get(key.edgeKey);
      if (totals === undefined) {
        totals = emptyTotals(key.edge, bounds);
        this.#totals.set(key.edgeKey, totals);
      }
      accumulate(totals, values, bounds);
    }
  }

  /** By edgeKey(); an edge counted in two layouts keeps the bounds both have (edge-totals.ts). */
  all(): ReadonlyMap<string, Readonly<EdgeTotals>> {
    return this.#totals;
  }
}
