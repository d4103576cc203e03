// StatSource over what this process scraped itself: answers from the traffic window in memory.
import type { TrafficWindow } from '../window/index.js';
import { splitStats } from './rows.js';
import type { SplitStats, StatQuery, StatSource } from './stat-source.js';

/** Linkerd refused windows below 15 s: fewer than two Prometheus scrapes make no rate. */
export const MIN_WINDOW_MS = 15_000;

export class WindowRangeError extends RangeError {
  override readonly name = 'WindowRangeError';
}

export class ScrapeStatSource implements StatSource {
  readonly #window: TrafficWindow;

  constructor({ window }: { window: TrafficWindow }) {
    this.#window = window;
  }

  get maxWindowMs(): number {
    return this.#window.retentionMs;
  }

  stats(query: StatQuery): Promise<SplitStats[]> {
    try {
      checkWindow(query.windowMs, this.#window.retentionMs);
      const totals = this.#window.totals(query.windowMs, query.from ?? {});
      return Promise.resolve(splitStats(query.splits, totals, this.#window.latencyBucketsMs));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

export function checkWindow(windowMs: number, maxWindowMs: number): void {
  if (!(windowMs >= MIN_WINDOW_MS)) throw new WindowRangeError('metrics time window needs to be at least 15s');
  if (windowMs > maxWindowMs) {
    throw new WindowRangeError(`metrics time window can be at most ${maxWindowMs / 1000}s: that is all the history this server keeps`);
  }
}
