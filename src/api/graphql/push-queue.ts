// An async iterator over values a listener pushes: what a subscription over an event source
// needs. It attaches the listener at the first next() and detaches it at return() (the client
// went away) or when it gives up on a reader that stopped reading. Attaching any earlier would
// leak: a stream cancelled before it was ever read never gets return() called (yoga hands the
// iterator to the response stream only when that stream starts), so the listener would stay
// forever. Over HTTP the server reads the stream at once, so listening starts as the response
// does.
import { GraphQLError } from 'graphql';

/** Attaches the listener that feeds `push`; returns what detaches it. */
export type Attach<T> = (push: (value: T) => void) => () => void;

export class PushQueue<T> implements AsyncIterableIterator<T> {
  readonly #values: T[] = [];
  readonly #readers: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void }[] = [];
  readonly #maxQueued: number;
  readonly #attach: Attach<T>;
  #detach: (() => void) | undefined;
  #done = false;
  #error: Error | undefined;

  constructor(attach: Attach<T>, { maxQueued = 1000 }: { maxQueued?: number } = {}) {
    this.#maxQueued = maxQueued;
    this.#attach = attach;
  }

  next(): Promise<IteratorResult<T>> {
    if (!this.#done && this.#detach === undefined) this.#detach = this.#attach((value) => this.#push(value));
    if (this.#values.length > 0) return Promise.resolve({ value: this.#values.shift() as T, done: false });
    if (this.#error !== undefined) {
      const error = this.#error;
      this.#error = undefined;
      return Promise.reject(error);
    }
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => this.#readers.push({ resolve, reject }));
  }

  return(): Promise<IteratorResult<T>> {
    this.#finish();
    this.#values.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error: unknown): Promise<IteratorResult<T>> {
    this.#finish();
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  // Called from the producer's listener, so it never throws: a slow reader costs only itself.
  #push(value: T): void {
    if (this.#done) return;
    const reader = this.#readers.shift();
    if (reader !== undefined) {
      reader.resolve({ value, done: false });
      return;
    }
    this.#values.push(value);
    if (this.#values.length > this.#maxQueued) {
      // The client stopped reading while changes kept coming: end its stream instead of
      // buffering without bound. It can subscribe again and re-read the current state.
      this.#values.length = 0;
      this.#error = new GraphQLError(`more than ${this.#maxQueued} events were waiting for this subscriber: subscribe again`);
      this.#finish();
    }
  }

  #finish(): void {
    if (this.#done) return;
    this.#done = true;
    this.#detach?.();
    for (const reader of this.#readers.splice(0)) reader.resolve({ value: undefined, done: true });
  }
}
