// The series every target together may keep. Each target is bounded on its own
// (TargetCounters.maxSeries); this bounds their sum, so a fleet of churning targets, each under
// its own limit, still cannot take memory without end.

/** Series kept over all targets by default. */
export const DEFAULT_MAX_SERIES_TOTAL = 2_000_000;

export class SeriesPool {
  readonly max: number;
  #used = 0;

  constructor(max = DEFAULT_MAX_SERIES_TOTAL) {
    this.max = max;
  }

  get used(): number {
    return this.#used;
  }

  /** Takes one series' place; false when the pool is full. */
  take(): boolean {
    if (this.#used >= this.max) return false;
    this.#used++;
    return true;
  }

  /** Gives back the places of series forgotten. */
  give(count: number): void {
    this.#used = Math.max(0, this.#used - count);
  }
}
