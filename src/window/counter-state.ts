// Turns one target's cumulative counters into per-scrape increases, treating resets the way
// Prometheus' increase() does and never turning a gap in the data into a spike.

export interface SeriesState<M> {
  /** What the series means (cached, so labels are interpreted once per series and reading). */
  meaning: M | null;
  /** The reading the meaning was taken under (see reinterpret()). */
  reading: number;
  last: number;
  lastSeenScrape: number;
  /** Increase since the previous scrape, set by observe(). */
  delta: number;
}

export interface TargetCountersOptions {
  /** Scrapes a series may be missing before it is forgotten (a proxy drops idle series). */
  readonly forgetAfterScrapes?: number;
}

export class TargetCounters<M> {
  readonly #series = new Map<string, SeriesState<M>>();
  readonly #forgetAfter: number;
  #scrape = 0;
  #reading = 0;
  #baselined = false;

  constructor({ forgetAfterScrapes = 60 }: TargetCountersOptions = {}) {
    this.#forgetAfter = forgetAfterScrapes;
  }

  /** False until one scrape of this target has been taken in whole: that scrape is the baseline. */
  get baselined(): boolean {
    return this.#baselined;
  }

  get seriesCount(): number {
    return this.#series.size;
  }

  beginScrape(): void {
    this.#scrape++;
  }

  /**
   * Records a sample and returns the series state with its `delta`:
   * - the target's first scrape is a baseline: delta 0;
   * - a series first seen on a known target started from zero since the last scrape: delta = value;
   * - a counter that went down was reset: delta = value (Prometheus' rule);
   * - a series that was missing for a while and comes back continues from its last value.
   */
  observe(series: string, value: number, interpret: () => M | null): SeriesState<M> {
    let state = this.#series.get(series);
    if (state === undefined) {
      state = { meaning: interpret(), reading: this.#reading, last: 0, lastSeenScrape: this.#scrape, delta: 0 };
      this.#series.set(series, state);
      if (Number.isNaN(value)) {
        state.delta = 0;
        return state;
      }
      state.delta = this.#baselined ? value : 0;
      state.last = value;
      return state;
    }
    state.lastSeenScrape = this.#scrape;
    if (state.reading !== this.#reading) {
      state.meaning = interpret();
      state.reading = this.#reading;
    }
    if (Number.isNaN(value)) {
      state.delta = 0;
      return state;
    }
    state.delta = value < state.last ? value : value - state.last;
    state.last = value;
    return state;
  }

  /**
   * The labels mean something else from now on (the target was found to be another generation of
   * its proxy): each series is interpreted afresh when next seen, and keeps its counter state.
   */
  reinterpret(): void {
    this.#reading++;
  }

  /** The process behind the target restarted: every counter starts again from zero. */
  restarted(): void {
    for (const state of this.#series.values()) state.last = 0;
  }

  /** Ends a successful scrape: the target is baselined, long-missing series are forgotten. */
  endScrape(): void {
    this.#baselined = true;
    for (const [key, state] of this.#series) {
      if (this.#scrape - state.lastSeenScrape > this.#forgetAfter) this.#series.delete(key);
    }
  }
}
