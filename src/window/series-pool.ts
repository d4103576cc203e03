// The series every target together may keep, and the one copy of each series' text they share.
// Each target is bounded on its own (TargetCounters.maxSeries); this bounds their sum, so a fleet
// of churning targets, each under its own limit, still cannot take memory without end.
//
// A series' identity is its text on the page, some 400 characters for a Linkerd outbound series,
// and the pods of one workload list the same texts (their labels name where requests went, not
// who sent them). Kept once per text instead of once per target, the text stops being what
// memory grows with: 1,000 pods of one page cost its series' texts once.

/** Series kept over all targets by default. */
export const DEFAULT_MAX_SERIES_TOTAL = 2_000_000;

interface SharedKey {
  readonly key: string;
  /** Targets keeping the series. */
  holders: number;
}

export class SeriesPool {
  readonly max: number;
  #used = 0;
  readonly #keys = new Map<string, SharedKey>();

  constructor(max = DEFAULT_MAX_SERIES_TOTAL) {
    this.max = max;
  }

  /** Series kept over all targets. */
  get used(): number {
    return this.#used;
  }

  /** Distinct series texts kept (each once, however many targets keep it). */
  get distinct(): number {
    return this.#keys.size;
  }

  /** Takes one series' place; its text as kept for every target, or undefined when the pool is full. */
  take(series: string): string | undefined {
    if (this.#used >= this.max) return undefined;
    this.#used++;
    let shared = this.#keys.get(series);
    if (shared === undefined) {
      shared = { key: series, holders: 0 };
      this.#keys.set(series, shared);
    }
    shared.holders++;
    return shared.key;
  }

  /** Gives back the place of a series a target no longer keeps. */
  give(series: string): void {
    const shared = this.#keys.get(series);
    if (shared === undefined) return;
    this.#used--;
    if (--shared.holders === 0) this.#keys.delete(series);
  }
}
