// Capped exponential backoff with jitter, for re-connecting to the Kubernetes API: quick after a
// one-off hiccup, gentle on an API server that is down, and spread out so that many replicas
// restarted together do not retry in lockstep.

export interface BackoffOptions {
  /** First delay (default 500 ms). */
  readonly initialMs?: number;
  /** Longest delay (default 30 s). */
  readonly maxMs?: number;
  /** Growth per attempt (default 2). */
  readonly factor?: number;
  /** Each delay is randomly shortened by up to this fraction (default 0.2; 0 in tests for exact timing). */
  readonly jitter?: number;
}

export class Backoff {
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #factor: number;
  readonly #jitter: number;
  readonly #random: () => number;
  #attempt = 0;

  constructor({ initialMs = 500, maxMs = 30_000, factor = 2, jitter = 0.2 }: BackoffOptions = {}, random: () => number = Math.random) {
    this.#initialMs = Math.max(0, initialMs);
    this.#maxMs = Math.max(this.#initialMs, maxMs);
    this.#factor = Math.max(1, factor);
    this.#jitter = Math.min(1, Math.max(0, jitter));
    this.#random = random;
  }

  /** Failures since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next retry; each call counts one more failure. */
  next(): number {
    // Capping the exponent keeps the arithmetic finite however long the outage lasts.
    const exponent = Math.min(this.#attempt, 64);
    this.#attempt += 1;
    const delay = Math.min(this.#maxMs, this.#initialMs * this.#factor ** exponent);
    return Math.round(delay * (1 - this.#jitter * this.#random()));
  }

  /** Things work again: the next failure starts from the initial delay. */
  reset(): void {
    this.#attempt = 0;
  }
}
