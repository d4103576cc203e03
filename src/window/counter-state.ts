// Turns one target's cumulative counters into per-scrape increases, treating resets the way
// Prometheus' increase() does and never turning a gap in the data into a spike. A scrape is a
// transaction: a page that turns out unusable (a series twice, mostly garbage) is rolled back, so
// its values neither count nor become the baseline of the next page.
//
// A counter value that is negative, infinite or beyond 2^53 is no counter value: it is rejected
// (counted, never stored), so every increase is a finite, non-negative, exactly representable
// number and no sum of them over a window or a lifetime can overflow.

import { SeriesPool } from './series-pool.js';

export interface SeriesState<M> {
  /** The series' identity (its text on the page). */
  readonly key: string;
  /** What the series means (cached, so labels are interpreted once per series and reading). */
  meaning: M | null;
  /** The reading the meaning was taken under (see reinterpret()). */
  reading: number;
  last: number;
  lastSeenScrape: number;
  /** Increase since the previous scrape, set by observe(). */
  delta: number;
}

/** The largest counter value taken: beyond it a double no longer counts requests exactly. */
export const MAX_COUNTER_VALUE = Number.MAX_SAFE_INTEGER;

/** Series kept per target by default: far above a real proxy's, far below what churn can make. */
export const DEFAULT_MAX_SERIES_PER_TARGET = 50_000;

export interface TargetCountersOptions {
  /** Scrapes a series may be missing before it is forgotten (a proxy drops idle series). */
  readonly forgetAfterScrapes?: number;
  /**
   * Series kept at most. A page with label churn (a new `dst_pod` on every request) could
   * otherwise grow memory without bound; series beyond it are not tracked and are counted.
   */
  readonly maxSeries?: number;
  /** Shared with the other targets: the series all of them may keep together. */
  readonly pool?: SeriesPool;
}

export class TargetCounters<M> {
  readonly #series = new Map<string, SeriesState<M>>();
  readonly #forgetAfter: number;
  readonly #maxSeries: number;
  readonly #pool: SeriesPool;
  #scrape = 0;
  #reading = 0;
  #baselined = false;
  /** What this scrape changed, to roll it back: previous values, and series it created. */
  #undo: { state: SeriesState<M>; last: number; lastSeenScrape: number }[] = [];
  #created: string[] = [];
  /**
   * The states in the order the last whole page listed them, and this page's so far. A proxy
   * writes its series in the same order every time, so the state at the same position is
   * compared with the series text (a plain comparison) before the map is asked (which hashes
   * the ~400-character text first): most lookups of a page never hash at all.
   */
  #previousOrder: (SeriesState<M> | undefined)[] = [];
  #order: (SeriesState<M> | undefined)[] = [];
  #duplicates = 0;
  #rejected = 0;
  #droppedSeries = 0;

  constructor({ forgetAfterScrapes = 60, maxSeries = DEFAULT_MAX_SERIES_PER_TARGET, pool = new SeriesPool(Number.POSITIVE_INFINITY) }: TargetCountersOptions = {}) {
    this.#forgetAfter = forgetAfterScrapes;
    this.#maxSeries = maxSeries;
    this.#pool = pool;
  }

  /** New series of this scrape that were not tracked: the target holds maxSeries, or the pool is full. */
  get droppedSeries(): number {
    return this.#droppedSeries;
  }

  /** False until one scrape of this target has been taken in whole: that scrape is the baseline. */
  get baselined(): boolean {
    return this.#baselined;
  }

  get seriesCount(): number {
    return this.#series.size;
  }

  /** Series of this scrape that appeared more than once (the page is then unusable). */
  get duplicates(): number {
    return this.#duplicates;
  }

  /** Samples of this scrape rejected as no counter value (negative, infinite, beyond 2^53). */
  get rejected(): number {
    return this.#rejected;
  }

  beginScrape(): void {
    this.#scrape++;
    this.#undo = [];
    this.#created = [];
    this.#order = [];
    this.#duplicates = 0;
    this.#rejected = 0;
    this.#droppedSeries = 0;
  }

  /**
   * Records a sample and returns the series state with its `delta`:
   * - the target's first scrape is a baseline: delta 0;
   * - a series first seen on a known target started from zero since the last scrape: delta = value;
   * - a counter that went down was reset: delta = value (Prometheus' rule);
   * - a series that was missing for a while and comes back continues from its last value.
   */
  observe(series: string, value: number, interpret: () => M | null): SeriesState<M> {
    const valid = Number.isNaN(value) || (value >= 0 && value <= MAX_COUNTER_VALUE);
    if (!valid) this.#rejected++;
    const position = this.#order.length;
    const atPosition = this.#previousOrder[position];
    let state = atPosition !== undefined && atPosition.key === series ? atPosition : this.#series.get(series);
    this.#order.push(state);
    const key = state === undefined && this.#series.size < this.#maxSeries ? this.#pool.take(series) : undefined;
    if (state === undefined && key === undefined) {
      // Not tracked: no meaning, no increase, nothing kept.
      this.#droppedSeries++;
      return { key: series, meaning: null, reading: this.#reading, last: 0, lastSeenScrape: this.#scrape, delta: 0 };
    }
    if (state === undefined) {
      // The pool's copy of the text: one for every target listing it (series-pool.ts).
      series = key ?? series;
      state = { key: series, meaning: interpret(), reading: this.#reading, last: 0, lastSeenScrape: this.#scrape, delta: 0 };
      this.#order[position] = state;
      this.#series.set(series, state);
      this.#created.push(series);
      if (Number.isNaN(value) || !valid) return state;
      state.delta = this.#baselined ? value : 0;
      state.last = value;
      return state;
    }
    if (state.lastSeenScrape === this.#scrape) {
      // The same series twice in one page: which value is the counter cannot be told.
      this.#duplicates++;
      state.delta = 0;
      return state;
    }
    this.#undo.push({ state, last: state.last, lastSeenScrape: state.lastSeenScrape });
    state.lastSeenScrape = this.#scrape;
    if (state.reading !== this.#reading) {
      state.meaning = interpret();
      state.reading = this.#reading;
    }
    if (Number.isNaN(value) || !valid) {
      state.delta = 0;
      return state;
    }
    state.delta = value < state.last ? value : value - state.last;
    state.last = value;
    return state;
  }

  /**
   * Takes back everything this scrape observed: values return to what the previous scrape left,
   * series it created are forgotten. The increases it returned must not be used.
   */
  abortScrape(): void {
    for (const { state, last, lastSeenScrape } of this.#undo.reverse()) {
      state.last = last;
      state.lastSeenScrape = lastSeenScrape;
    }
    for (const series of this.#created) this.#series.delete(series);
    for (const series of this.#created) this.#pool.give(series);
    this.#undo = [];
    this.#created = [];
    // The order of a page not taken is not the next page's guide; the last taken one still is.
    this.#order = [];
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
    // Forgotten below are only series this page did not list, so none of them is in its order.
    this.#previousOrder = this.#order;
    this.#order = [];
    for (const [key, state] of this.#series) {
      if (this.#scrape - state.lastSeenScrape > this.#forgetAfter) {
        this.#series.delete(key);
        this.#pool.give(key);
      }
    }
  }

  /** The target is gone: its series give their places back to the pool. */
  dispose(): void {
    for (const key of this.#series.keys()) this.#pool.give(key);
    this.#series.clear();
    this.#previousOrder = [];
    this.#order = [];
  }
}
