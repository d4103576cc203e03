import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseGoDuration } from './index.js';
import { formatDuration } from './format-duration.js';

describe('formatDuration', { timeout: 30_000 }, () => {
  it('prints the shortest Go duration', () => {
    const cases: [number, string][] = [
      [0, '0s'],
      [250, '250ms'],
      [1500, '1.5s'],
      [15_000, '15s'],
      [60_000, '1m'],
      [90_000, '1m30s'],
      [3_600_000, '1h'],
      [3_661_000, '1h1m1s'],
      [7_200_500, '2h0.5s'],
      [-30_000, '-30s'],
    ];
    for (const [ms, text] of cases) assert.equal(formatDuration(ms), text, String(ms));
  });

  it('round-trips through parseGoDuration', () => {
    for (const ms of [1, 999, 1000, 15_000, 59_999, 61_000, 3_599_000, 3_600_000, 86_400_000]) {
      assert.equal(parseGoDuration(formatDuration(ms)), ms, String(ms));
    }
  });
});
