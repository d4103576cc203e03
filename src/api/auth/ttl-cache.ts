// Recent access decisions, so a dashboard polling every few seconds does not cost a TokenReview
// and a SubjectAccessReview per request. Entries live `ttlMs` from the moment their answer
// arrived (how long a revoked token or role binding may still be honoured), the oldest go first
// when the cache is full, and concurrent lookups of one key share a single computation: a burst
// of requests with a new token makes one review, not one each. Failures are never kept, so the
// next lookup asks again.

export interface TtlCacheOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly now: () => number;
}

interface Entry<V> {
  readonly value: Promise<V>;
  /** Infinity while the answer is pending: a pending lookup is always shared. */
  expiresAt: number;
}

export class TtlCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor({ ttlMs, maxEntries, now }: TtlCacheOptions) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = Math.max(1, maxEntries);
    this.#now = now;
  }

  /** The cached value of `key`, or what `compute` resolves to (cached once it does). */
  get(key: string, compute: () => Promise<V>): Promise<V> {
    const cached = this.#entries.get(key);
    if (cached !== undefined && cached.expiresAt > this.#now()) return cached.value;
    if (cached !== undefined) this.#entries.delete(key);

    const entry: Entry<V> = { value: compute(), expiresAt: Number.POSITIVE_INFINITY };
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
    entry.value.then(
      () => {
        entry.expiresAt = this.#now() + this.#ttlMs;
      },
      () => {
        if (this.#entries.get(key) === entry) this.#entries.delete(key);
      },
    );
    return entry.value;
  }

  get size(): number {
    return this.#entries.size;
  }
}
