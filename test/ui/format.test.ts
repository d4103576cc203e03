// The live page's number formatting agrees with `stat ts`: shares, success rates and rates
// rounded as Go's %.Nf (src/go), ties to even, over random and tie values alike.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatGoFixed } from '../../src/go/index.js';

// The page's modules are browser JavaScript (checked by ui/tsconfig.json), loaded here untyped.
const PAGE_FORMAT = '../../ui/format.js';
const { goFixed, durationMs, goDuration } = (await import(PAGE_FORMAT)) as {
  goFixed: (x: number, digits: number) => string;
  durationMs: (text: string) => number;
  goDuration: (ms: number) => string;
};

describe('the live page’s number formatting', () => {
  it('rounds as Go does, ties to even', () => {
    for (const [x, digits, expected] of [[11.25, 1, '11.2'], [11.35, 1, '11.3'], [0.125, 2, '0.12'], [0.375, 2, '0.38'], [2.5, 0, '2'], [3.5, 0, '4'], [11.250000000000002, 1, '11.3']] as const) {
      assert.equal(goFixed(x, digits), expected, `${x}`);
      assert.equal(formatGoFixed(x, digits), expected, `${x} (src/go)`);
    }
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 3 }), (x, digits) => goFixed(x, digits) === formatGoFixed(x, digits)),
      { numRuns: 5000 },
    );
    // Ties at every precision the page uses.
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 2 }), (n, digits) => {
        const x = (n + 0.5) / 10 ** digits;
        return goFixed(x, digits) === formatGoFixed(x, digits);
      }),
      { numRuns: 5000 },
    );
  });

  it('reads the durations the server writes, and writes the ones it asks for', () => {
    assert.equal(durationMs('10s'), 10_000);
    assert.equal(durationMs('1h0m0s'), 3_600_000);
    assert.equal(durationMs('1m30s'), 90_000);
    assert.equal(durationMs('250ms'), 250);
    assert.throws(() => durationMs('10 s'));
    assert.equal(goDuration(30_000), '30s');
    assert.equal(goDuration(600_000), '10m');
    assert.equal(goDuration(90_000), '90s');
  });
});
