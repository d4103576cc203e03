// Bounding work the service cannot cancel (a StatSource call has no abort signal): the caller
// gets a clear error in time, and the late result, if it ever comes, is dropped.
import { GraphQLError } from 'graphql';
import { formatDuration } from '../../go/index.js';

export const TIMEOUT = 'TIMEOUT';

export function timeoutError(ms: number): GraphQLError {
  return new GraphQLError(`the request took longer than ${formatDuration(ms)} and was abandoned; try a shorter window or fewer splits`, {
    // 504: the server gave up waiting on the stat source it depends on (itself or Prometheus).
    extensions: { code: TIMEOUT, http: { status: 504 } },
  });
}

/** Settles like `work`, or rejects with `onTimeout()` after `ms`; the timer never outlives it. */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
