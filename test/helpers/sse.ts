// A GraphQL-over-SSE reader for tests: reads `next` events from a response stream the way a
// client does (starting at once, since the server starts a subscription when it is first read),
// with a bounded wait per event and a cancel that a test's cleanup always calls.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

export interface EventStream<T> {
  readonly status: number;
  /** The next `next` event's payload; rejects on `complete`, end of stream, or after the timeout. */
  next(timeoutMs?: number): Promise<T>;
  /** What a client disconnecting does. */
  cancel(): Promise<void>;
}

export async function readEventStream<T>(t: TestContext, response: Response, defaultTimeoutMs = 5000): Promise<EventStream<T>> {
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.ok(response.body);
  const reader = response.body.getReader();
  let cancelled: Promise<void> | undefined;
  const cancel = () => (cancelled ??= reader.cancel());
  // A failed assertion must not leave the stream (and the server's timers) running past the test.
  t.after(cancel);
  const decoder = new TextDecoder();
  let buffer = '';
  const first = await reader.read();
  if (!first.done) buffer += decoder.decode(first.value, { stream: true });

  const readEvent = async (): Promise<T> => {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n').filter((line) => !line.startsWith(':'));
        const event = lines.find((line) => line.startsWith('event:'))?.slice(6).trim();
        const data = lines.find((line) => line.startsWith('data:'))?.slice(5).trim();
        if (event === 'complete') throw new Error('stream completed');
        if (event === 'next' && data !== undefined) return JSON.parse(data) as T;
        continue; // a keep-alive ping
      }
      const { done, value } = await reader.read();
      if (done) throw new Error('stream ended');
      buffer += decoder.decode(value, { stream: true });
    }
  };

  return {
    status: response.status,
    async next(timeoutMs = defaultTimeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no event within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        return await Promise.race([readEvent(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    cancel,
  };
}
