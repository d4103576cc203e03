// Everything ever committed, per edge, never reset: the counters `/metrics` exports, so that
// Prometheus can take rates and sum shards like any other counter. Kept apart from the window,
// which forgets what is older than its retention.
import type { EdgeTotals } from './edge-totals.js';
import { accumulate, emptyTotals } from './edge-totals.js';
import type { Entry } from './interval.js';

export class LifetimeTotals {
  readonly #latencyBuckets: number;
  readonly #totals = new Map<string, EdgeTotals>();

  constructor(latencyBuckets: number) {
    this.#latencyBuckets = latencyBuckets;
  }

  add(entries: Iterable<Entry>): void {
    for (const entry of entries) {
      let totals = this.#totals.get(entry.edgeKey);
      if (totals === undefined) {
        totals = emptyTotals(entry.edge, this.#latencyBuckets);
        this.#totals.set(entry.edgeKey, totals);
      }
      accumulate(totals, entry.values);
    }
  }

  /** By edgeKey(). */
  all(): ReadonlyMap<string, Readonly<EdgeTotals>> {
    return this.#totals;
  }
}
