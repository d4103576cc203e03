import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PushQueue } from './push-queue.js';

/** A source with one listener slot, reporting whether it is attached. */
function source() {
  let listener: ((value: number) => void) | undefined;
  return {
    attach: (push: (value: number) => void) => {
      listener = push;
      return () => {
        listener = undefined;
      };
    },
    emit: (value: number) => listener?.(value),
    get attached() {
      return listener !== undefined;
    },
  };
}

describe('PushQueue', { timeout: 30_000 }, () => {
  it('attaches at the first next(), delivers in order, and detaches on return()', async () => {
    const events = source();
    const queue = new PushQueue(events.attach);
    assert.equal(events.attached, false, 'nothing listens before anyone reads');
    const first = queue.next();
    assert.equal(events.attached, true);
    events.emit(1);
    events.emit(2);
    events.emit(3);
    assert.deepEqual(await first, { value: 1, done: false });
    assert.deepEqual(await queue.next(), { value: 2, done: false });
    assert.deepEqual(await queue.return(), { value: undefined, done: true });
    assert.equal(events.attached, false);
    assert.deepEqual(await queue.next(), { value: undefined, done: true }, 'queued values are dropped');
  });

  it('ends a waiting reader when returned', async () => {
    const events = source();
    const queue = new PushQueue(events.attach);
    const waiting = queue.next();
    await queue.return();
    assert.deepEqual(await waiting, { value: undefined, done: true });
  });

  it('never attaches when returned before any read', async () => {
    const events = source();
    const queue = new PushQueue(events.attach);
    await queue.return();
    assert.deepEqual(await queue.next(), { value: undefined, done: true });
    assert.equal(events.attached, false);
  });

  it('gives up on a reader that fell too far behind, without throwing at the producer', async () => {
    const events = source();
    const queue = new PushQueue(events.attach, { maxQueued: 3 });
    assert.deepEqual(await Promise.race([queue.next(), Promise.resolve('pending')]), 'pending');
    for (let i = 1; i <= 5; i++) assert.doesNotThrow(() => events.emit(i));
    assert.equal(events.attached, false);
    // The first value went to the waiting reader; the overflow ends the stream with an error.
    await assert.rejects(queue.next(), /more than 3 events were waiting for this subscriber: subscribe again/);
    assert.deepEqual(await queue.next(), { value: undefined, done: true });
  });
});
