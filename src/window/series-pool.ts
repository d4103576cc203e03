// The series every target together may keep, and the one copy of each series' text, and of what
// it means, that they share. Each target is bounded on its own (TargetCounters.maxSeries); this
// bounds their sum, so a fleet of churning targets, each under its own limit, still cannot take
// memory without end.
//
// A series' identity is its text on the page, some 400 characters for a Linkerd outbound series,
// and the pods of one workload list the same texts (their labels name where requests went, not
// who sent them). Kept once per text instead of once per target, neither the text nor its
// meaning is what memory grows with: 1,000 pods of one page cost its series once, and each
// series is interpreted once per reading, not once per target.

/** Series kept over all targets by default. */
export const DEFAULT_MAX_SERIES_TOTAL = 2_000_000;

// eslint-disable-next-line no-control-regex -- ASCII is exactly the range \x00–\x7f.
const NOT_ASCII = /[^\x00-\x7f]/;

function isAscii(text: string): boolean {
  return !NOT_ASCII.test(text);
}

/**
 * A string's latin1 bytes in memory of their own. `Buffer.from` would carve small buffers out of
 * shared 8 KiB slabs, and one series that outlives the others of its slab (pods come and go)
 * would keep the whole slab alive.
 */
function ownBytes(text: string): Buffer {
  const bytes = Buffer.allocUnsafeSlow(text.length);
  bytes.write(text, 'latin1');
  return bytes;
}

/** One series text as every target keeping it shares it. */

export class SharedSeries<M> {
  readonly key: string;
  /** Targets keeping the series. */
  holders = 0;
  /** The reading the meaning was last taken under, and that meaning. */
  #reading: string | undefined;
  #meaning: M | null = null;
  /** Meanings under other readings (targets of two generations listing the same text). */
  #others: Map<string, M | null> | undefined;

  #bytes: Buffer | null | undefined;

  constructor(key: string) {
    this.key = key;
  }

  /**
   * The key's bytes, made on first need: a page read as bytes is compared with them without
   * becoming text (parser.ts, expectedBytes). Undefined for a key that is not ASCII: only ASCII
   * pages are read as bytes, and no ASCII line may match it.
   */
  get bytes(): Buffer | undefined {
    if (this.#bytes === undefined) this.#bytes = isAscii(this.key) ? ownBytes(this.key) : null;
    return this.#bytes ?? undefined;
  }

  /** What the series means under `reading`, interpreted on first need. */
  meaning(reading: string, interpret: () => M | null): M | null {
    if (this.#reading === reading) return this.#meaning;
    if (this.#reading === undefined) {
      this.#reading = reading;
      this.#meaning = interpret();
      return this.#meaning;
    }
    this.#others ??= new Map();
    if (!this.#others.has(reading)) this.#others.set(reading, interpret());
    return this.#others.get(reading) ?? null;
  }
}

export class SeriesPool<M = unknown> {
  readonly max: number;
  #used = 0;
  readonly #keys = new Map<string, SharedSeries<M>>();

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

  /** Takes one series' place; the series as kept for every target, or undefined when the pool is full. */
  take(series: string): SharedSeries<M> | undefined {
    if (this.#used >= this.max) return undefined;
    this.#used++;
    let shared = this.#keys.get(series);
    if (shared === undefined) {
      shared = new SharedSeries<M>(series);
      this.#keys.set(series, shared);
    }
    shared.holders++;
    return shared;
  }

  /** Gives back the place of a series a target no longer keeps. */
  give(shared: SharedSeries<M>): void {
    if (this.#keys.get(shared.key) !== shared) return;
    this.#used--;
    if (--shared.holders === 0) this.#keys.delete(shared.key);
  }
}
