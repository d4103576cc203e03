// Bounded polling for tests that wait on something asynchronous: never a fixed sleep, and a
// failure that says what did not happen instead of a hang.
import assert from 'node:assert/strict';

export async function waitFor(condition: () => boolean, what: string | (() => string), timeoutMs = 5000, intervalMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
