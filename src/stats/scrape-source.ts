// StatSource over what this process scraped itself: answers from the traffic window in memory.
import { checkStatWindow } from '../window/index.js';
import type { TrafficWindow } from '../window/index.js';
import { splitStats } from './rows.js';
import type { SplitStats, StatQuery, StatSource } from './stat-source.js';

export class ScrapeStatSource implements StatSource {
  readonly #window: TrafficWindow;

  constructor({ window }: { window: TrafficWindow }) {
    this.#window = window;
  }

  get maxWindowMs(): number {
    return this.#window.retentionMs;
  }

  latestMs(): number | undefined {
    return this.#window.latestEndMs;
  }

  stats(query: StatQuery): Promise<SplitStats[]> {
    try {
      checkStatWindow(query.window, this.#window.retentionMs);
      const totals = this.#window.totals(query.window.ms, query.from ?? {}, query.atMs);
      return Promise.resolve(splitStats(query.splits, totals));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

