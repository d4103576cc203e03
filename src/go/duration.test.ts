import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DurationError, parseGoDuration } from './duration.js';

describe('parseGoDuration', () => {
  it('reads the forms Go accepts', () => {
    assert.equal(parseGoDuration('30s'), 30_000);
    assert.equal(parseGoDuration('1m'), 60_000);
    assert.equal(parseGoDuration('1m30s'), 90_000);
    assert.equal(parseGoDuration('1h'), 3_600_000);
    assert.equal(parseGoDuration('1.5h'), 5_400_000);
    assert.equal(parseGoDuration('300ms'), 300);
    assert.equal(parseGoDuration('0'), 0);
    assert.equal(parseGoDuration('-2s'), -2000);
    assert.equal(parseGoDuration('.5s'), 500);
  });

  it('rejects what Go rejects, with Go-like messages', () => {
    assert.throws(() => parseGoDuration(''), DurationError);
    assert.throws(() => parseGoDuration('10'), /missing unit/);
    assert.throws(() => parseGoDuration('1x'), /unknown unit "x" in duration "1x"/);
    assert.throws(() => parseGoDuration('s'), /invalid duration/);
    assert.throws(() => parseGoDuration('1m 30s'), /invalid duration "1m 30s"/);
  });
});
