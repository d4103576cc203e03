import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff } from './index.js';

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap, and starts over after reset()', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 1000, jitter: 0 });
    assert.deepEqual([1, 2, 3, 4, 5, 6].map(() => backoff.next()), [100, 200, 400, 800, 1000, 1000]);
    assert.equal(backoff.attempt, 6);
    backoff.reset();
    assert.equal(backoff.next(), 100);
  });

  it('shortens each delay by at most the jitter fraction', () => {
    const low = new Backoff({ initialMs: 1000, jitter: 0.2 }, () => 1);
    const high = new Backoff({ initialMs: 1000, jitter: 0.2 }, () => 0);
    assert.equal(low.next(), 800);
    assert.equal(high.next(), 1000);
  });

  it('stays finite through a very long outage', () => {
    const backoff = new Backoff({ initialMs: 500, maxMs: 30_000, jitter: 0 });
    let last = 0;
    for (let attempt = 0; attempt < 10_000; attempt += 1) last = backoff.next();
    assert.equal(last, 30_000);
  });
});
