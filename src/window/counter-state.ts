// Turns one target's cumulative counters into per-scrape increases, treating resets the way
// Prometheus' increase() does and never turning a gap in the data into a spike. A scrape is a
// transaction: a page that turns out unusable (a series twice, mostly garbage) is rolled back, so
// its values neither count nor become the baseline of the next page.
//
// A counter value that is negative, infinite or beyond 2^53 is no counter value: it is rejected
// (counted, never stored), so every increase is a finite, non-negative, exactly representable
// number and no sum of them over a window or a lifetime can overflow.
//
// Thousands of targets each keep hundreds of series, so a target's state is kept by position, in
// the order its last page listed the series: one shared series (text and meaning, series-pool.ts),
// one double and one scrape number per series, about 20 bytes. A proxy lists its series in the
// same order on every page, so the series after the last one found is compared first (one string
// comparison), and a series is looked up by its text only when the page has changed shape. A page
// is written into scratch space shared by all targets (one page is read at a time) and becomes
// the target's state only when it is taken; rolling it back is forgetting the scratch.

import { SeriesPool } from './series-pool.js';
import type { SharedSeries } from './series-pool.js';

/** What observe() found: valid until the next call of observe() on any target sharing its scratch. */
export interface ObservedSeries<M> {
  /** The series' identity (its text on the page). */
  readonly key: string;
  /** What the series means under the scrape's reading (null: not interpreted, or nothing). */
  readonly meaning: M | null;
  /** Increase since the previous scrape. */
  readonly delta: number;
}

/** The largest counter value taken: beyond it a double no longer counts requests exactly. */
export const MAX_COUNTER_VALUE = Number.MAX_SAFE_INTEGER;

/** Series kept per target by default: far above a real proxy's, far below what churn can make. */
export const DEFAULT_MAX_SERIES_PER_TARGET = 50_000;

/**
 * The page being read, for whichever target reads one: the series in page order as they will
 * be kept, and which of the target's series the page has listed. Shared by the targets of one
 * scrape engine, which reads one page at a time; each target claims it in beginScrape().
 */
export class PageScratch<M> {
  owner: object | undefined;
  keys: (SharedSeries<M> | undefined)[] = [];
  last = new Float64Array(1024);
  seen = new Int32Array(1024);
  length = 0;
  /** By the target's position: 1 when this page listed that series. */
  listed = new Uint8Array(1024);
  /** Series this page added to the target, and where they are in the page. */
  created: SharedSeries<M>[] = [];
  fresh = new Map<string, number>();

  begin(owner: object, kept: number): void {
    this.owner = owner;
    this.length = 0;
    this.created = [];
    if (this.fresh.size > 0) this.fresh = new Map();
    if (this.listed.length < kept) this.listed = new Uint8Array(kept * 2);
    else this.listed.fill(0, 0, kept);
  }

  push(key: SharedSeries<M>, last: number, seen: number): void {
    const at = this.length;
    if (at === this.last.length) {
      this.last = grow(this.last, new Float64Array(at * 2));
      this.seen = grow(this.seen, new Int32Array(at * 2));
    }
    this.keys[at] = key;
    this.last[at] = last;
    this.seen[at] = seen;
    this.length = at + 1;
  }

  end(): void {
    this.owner = undefined;
    this.created = [];
    // Keep no series alive through the scratch once the page is done.
    this.keys.fill(undefined, 0, this.length);
    this.length = 0;
  }
}

function grow<T extends Float64Array | Int32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

export interface TargetCountersOptions<M> {
  /** Scrapes a series may be missing before it is forgotten (a proxy drops idle series). */
  readonly forgetAfterScrapes?: number;
  /**
   * Series kept at most. A page with label churn (a new `dst_pod` on every request) could
   * otherwise grow memory without bound; series beyond it are not tracked and are counted.
   */
  readonly maxSeries?: number;
  /** Shared with the other targets: the series all of them may keep together. */
  readonly pool?: SeriesPool<M>;
  /** Shared with the other targets of one engine (see PageScratch). */
  readonly scratch?: PageScratch<M>;
}

export class TargetCounters<M> {
  readonly #forgetAfter: number;
  readonly #maxSeries: number;
  readonly #pool: SeriesPool<M>;
  readonly #scratch: PageScratch<M>;
  // The target's series as its last taken page listed them, then those it did not list yet
  // remembers (see forgetAfterScrapes).
  #keys: SharedSeries<M>[] = [];
  #last = new Float64Array(0);
  #seen = new Int32Array(0);
  #count = 0;
  /** Position of each series by its text, built when a page leaves the expected order. */
  #index: Map<string, number> | undefined;
  /** The position after the last series found: where the page's next series likely is. */
  #cursor = 0;
  #scrape = 0;
  #reading = '';
  #baselined = false;
  #duplicates = 0;
  #rejected = 0;
  #droppedSeries = 0;
  readonly #observed: { key: string; meaning: M | null; delta: number } = { key: '', meaning: null, delta: 0 };

  constructor({ forgetAfterScrapes = 60, maxSeries = DEFAULT_MAX_SERIES_PER_TARGET, pool, scratch }: TargetCountersOptions<M> = {}) {
    this.#forgetAfter = forgetAfterScrapes;
    this.#maxSeries = maxSeries;
    this.#pool = pool ?? new SeriesPool<M>(Number.POSITIVE_INFINITY);
    this.#scratch = scratch ?? new PageScratch<M>();
  }

  /** New series of this scrape that were not tracked: the target holds maxSeries, or the pool is full. */
  get droppedSeries(): number {
    return this.#droppedSeries;
  }

  /** False until one scrape of this target has been taken in whole: that scrape is the baseline. */
  get baselined(): boolean {
    return this.#baselined;
  }

  /** Series kept, those the page being read added included. */
  get seriesCount(): number {
    return this.#count + (this.#scratch.owner === this ? this.#scratch.created.length : 0);
  }

  /** Series of this scrape that appeared more than once (the page is then unusable). */
  get duplicates(): number {
    return this.#duplicates;
  }

  /** Samples of this scrape rejected as no counter value (negative, infinite, beyond 2^53). */
  get rejected(): number {
    return this.#rejected;
  }

  /** The series the page being read most likely lists next (see ParseOptions.expectedSeries). */
  expectedSeries(): string | undefined {
    return this.#cursor < this.#count ? this.#keys[this.#cursor]?.key : undefined;
  }

  /** The bytes of expectedSeries() (see ParseOptions.expectedBytes). */
  expectedBytes(): Buffer | undefined {
    return this.#cursor < this.#count ? this.#keys[this.#cursor]?.bytes : undefined;
  }

  /**
   * Starts a page. `reading` names how its labels are to be understood (the proxy generation it
   * was read as): each series is interpreted once per reading, and keeps its counter state
   * whatever the reading.
   */
  beginScrape(reading = ''): void {
    this.#scrape++;
    this.#reading = reading;
    this.#cursor = 0;
    this.#duplicates = 0;
    this.#rejected = 0;
    this.#droppedSeries = 0;
    this.#scratch.begin(this, this.#count);
  }

  /**
   * Records a sample and returns the series with its `delta`:
   * - the target's first scrape is a baseline: delta 0;
   * - a series first seen on a known target started from zero since the last scrape: delta = value;
   * - a counter that went down was reset: delta = value (Prometheus' rule);
   * - a series that was missing for a while and comes back continues from its last value.
   */
  observe(series: string, value: number, interpret: () => M | null): ObservedSeries<M> {
    const scratch = this.#scratch;
    if (scratch.owner !== this) throw new Error('TargetCounters.observe outside beginScrape/endScrape, or while another target reads a page');
    const valid = Number.isNaN(value) || (value >= 0 && value <= MAX_COUNTER_VALUE);
    if (!valid) this.#rejected++;
    const counts = valid && !Number.isNaN(value);
    const cursor = this.#cursor;
    const position = cursor < this.#count && this.#keys[cursor]?.key === series ? cursor : this.#positionOf(series);
    if (position >= 0) {
      const shared = this.#keys[position] as SharedSeries<M>;
      if (scratch.listed[position] === 1) {
        // The same series twice in one page: which value is the counter cannot be told.
        this.#duplicates++;
        return this.#result(shared.key, shared.meaning(this.#reading, interpret), 0);
      }
      scratch.listed[position] = 1;
      this.#cursor = position + 1;
      const last = this.#last[position] as number;
      scratch.push(shared, counts ? value : last, this.#scrape);
      const delta = !counts ? 0 : value < last ? value : value - last;
      return this.#result(shared.key, shared.meaning(this.#reading, interpret), delta);
    }
    const twice = scratch.fresh.get(series);
    if (twice !== undefined) {
      this.#duplicates++;
      const shared = scratch.keys[twice] as SharedSeries<M>;
      return this.#result(shared.key, shared.meaning(this.#reading, interpret), 0);
    }
    const shared = this.#count + scratch.created.length < this.#maxSeries ? this.#pool.take(series) : undefined;
    if (shared === undefined) {
      // Not tracked: no meaning, no increase, nothing kept.
      this.#droppedSeries++;
      return this.#result(series, null, 0);
    }
    scratch.created.push(shared);
    scratch.fresh.set(shared.key, scratch.length);
    scratch.push(shared, counts ? value : 0, this.#scrape);
    return this.#result(shared.key, shared.meaning(this.#reading, interpret), counts && this.#baselined ? value : 0);
  }

  #result(key: string, meaning: M | null, delta: number): ObservedSeries<M> {
    const observed = this.#observed;
    observed.key = key;
    observed.meaning = meaning;
    observed.delta = delta;
    return observed;
  }

  /** Where the target keeps `series`, or -1. */
  #positionOf(series: string): number {
    if (this.#index === undefined) {
      this.#index = new Map();
      for (let i = 0; i < this.#count; i++) this.#index.set((this.#keys[i] as SharedSeries<M>).key, i);
    }
    return this.#index.get(series) ?? -1;
  }

  /**
   * Takes back everything this scrape observed: values stay what the previous scrape left,
   * series it created are forgotten. The increases it returned must not be used.
   */
  abortScrape(): void {
    const scratch = this.#scratch;
    if (scratch.owner !== this) return;
    for (const shared of scratch.created) this.#pool.give(shared);
    scratch.end();
  }

  /** The process behind the target restarted: every counter starts again from zero. */
  restarted(): void {
    this.#last.fill(0, 0, this.#count);
  }

  /** Ends a successful scrape: the page becomes the target's state, long-missing series are forgotten. */
  endScrape(): void {
    const scratch = this.#scratch;
    if (scratch.owner !== this) return;
    this.#baselined = true;
    // Series the page did not list stay, after its own, until they have been missing too long.
    for (let i = 0; i < this.#count; i++) {
      if (scratch.listed[i] === 1) continue;
      const shared = this.#keys[i] as SharedSeries<M>;
      const seen = this.#seen[i] as number;
      if (this.#scrape - seen > this.#forgetAfter) this.#pool.give(shared);
      else scratch.push(shared, this.#last[i] as number, seen);
    }
    const count = scratch.length;
    if (this.#last.length !== count) {
      this.#last = new Float64Array(count);
      this.#seen = new Int32Array(count);
    }
    this.#last.set(scratch.last.subarray(0, count));
    this.#seen.set(scratch.seen.subarray(0, count));
    const keys = this.#keys;
    let sameOrder = keys.length === count;
    for (let i = 0; sameOrder && i < count; i++) sameOrder = keys[i] === scratch.keys[i];
    if (!sameOrder) {
      this.#keys = scratch.keys.slice(0, count) as SharedSeries<M>[];
      this.#index = undefined;
    }
    this.#count = count;
    scratch.end();
  }

  /** The target is gone: its series give their places back to the pool. */
  dispose(): void {
    for (let i = 0; i < this.#count; i++) this.#pool.give(this.#keys[i] as SharedSeries<M>);
    this.#keys = [];
    this.#last = new Float64Array(0);
    this.#seen = new Int32Array(0);
    this.#count = 0;
    this.#index = undefined;
  }
}
