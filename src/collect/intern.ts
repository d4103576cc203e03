// String interning for the exposition parser. A proxy body repeats the same few hundred names and
// label values thousands of times; looking them up by a hash of the text in place means one
// shared string per distinct value instead of a new substring per sample, and the shared strings
// are copies, so nothing a caller keeps pins the (megabytes-large) scraped body in memory.

/**
 * Returns a string equal to `s` that does not reference the string it was sliced from. V8 makes
 * substrings of 13 or more characters views into their parent, so a kept label value would keep a
 * whole scraped body alive; appending a character and slicing it off forces a copy into a new,
 * small parent (measurably the cheapest way; prepending costs nearly twice as much).
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (s + ' ').slice(0, -1);
}

/**
 * Returns the engine's canonical (internalized) copy of `s`. Property keys are always canonical;
 * building label objects from keys that are not makes every property store look the key up in the
 * engine's string table first, which was a third of the parse time. Reading the key back out of
 * an object is the portable way to get the canonical copy.
 */
export function canonicalKey(s: string): string {
  return Object.keys({ [s]: 0 })[0] ?? s;
}

/**
 * The hash of text[start, end) the tables look keys up by. Kept in V8's small-integer range,
 * where Map lookups are cheapest.
 */
function hashRange(text: string, start: number, end: number): number {
  let hash = 0;
  for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash & 0x3fffffff;
}

/**
 * Whether text[start, start + key.length) equals `key`. A plain loop: String.prototype.startsWith
 * with a position goes through a slow generic path in V8 and costs several times more.
 */
export function regionEquals(text: string, start: number, key: string): boolean {
  const length = key.length;
  if (start + length > text.length) return false;
  for (let i = 0; i < length; i++) {
    if (text.charCodeAt(start + i) !== key.charCodeAt(i)) return false;
  }
  return true;
}

/** One interned key and whatever the parser attaches to it. */
export interface InternEntry {
  readonly key: string;
}

/**
 * Maps text[start, end) to one entry per distinct key. The hash slot remembers the first key seen
 * with that hash; a collision falls back to an exact lookup, so results are always correct.
 */
export class InternTable<T extends InternEntry> {
  readonly #byHash = new Map<number, T>();
  readonly #byKey = new Map<string, T>();
  readonly #create: (key: string) => T;

  constructor(create: (key: string) => T) {
    this.#create = create;
  }

  get size(): number {
    return this.#byKey.size;
  }

  clear(): void {
    // Clearing a Map makes it a new table: an empty one is left as it is.
    if (this.#byKey.size === 0) return;
    this.#byHash.clear();
    this.#byKey.clear();
  }

  /** The entry for text[start, end), created on first sight. */
  get(text: string, start: number, end: number): T {
    const hash = hashRange(text, start, end);
    const cached = this.#byHash.get(hash);
    if (cached !== undefined && cached.key.length === end - start && regionEquals(text, start, cached.key)) {
      return cached;
    }
    const slice = text.slice(start, end);
    let entry = this.#byKey.get(slice);
    if (entry === undefined) {
      const key = detach(slice);
      entry = this.#create(key);
      this.#byKey.set(key, entry);
    }
    if (cached === undefined) this.#byHash.set(hash, entry);
    return entry;
  }
}
