import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseBucketBound, SplitLatencyBuckets } from './latency-buckets.js';

describe('parseBucketBound (Go strconv.ParseFloat, as histogram_quantile reads le)', () => {
  it('reads decimals, exponents and every spelling of infinity Go accepts', () => {
    assert.equal(parseBucketBound('100'), 100);
    assert.equal(parseBucketBound('0.005'), 0.005);
    assert.equal(parseBucketBound('.5'), 0.5);
    assert.equal(parseBucketBound('1e+06'), 1e6);
    assert.equal(parseBucketBound('+Inf'), Number.POSITIVE_INFINITY);
    assert.equal(parseBucketBound('inf'), Number.POSITIVE_INFINITY);
    assert.equal(parseBucketBound('Infinity'), Number.POSITIVE_INFINITY);
    assert.equal(parseBucketBound('-Inf'), Number.NEGATIVE_INFINITY);
  });

  it('refuses what Go refuses (and NaN, which cannot be ordered)', () => {
    for (const text of [undefined, '', 'abc', '1,5', '1e400', 'NaN', ' 1', '0x10']) assert.equal(parseBucketBound(text), undefined, String(text));
  });
});

describe('SplitLatencyBuckets', () => {
  it("takes each leaf's quantiles from its own bucket rates", () => {
    const buckets = new SplitLatencyBuckets();
    buckets.add('v1', '10', 0);
    buckets.add('v1', '20', 4);
    buckets.add('v1', '+Inf', 4);
    assert.deepEqual(buckets.leafQuantiles('v1', [0.5, 0.95]), [15, 19.5]);
    assert.ok(buckets.leafQuantiles('v2', [0.5]).every(Number.isNaN), 'a leaf without buckets has NaN quantiles');
  });

  it('adds the leaves (and series without a leaf) up for the total, and skips unreadable bounds', () => {
    const buckets = new SplitLatencyBuckets();
    for (const [leaf, le, rate] of [
      ['v1', '10', 2],
      ['v1', '+Inf', 2],
      ['v2', '10', 0],
      ['v2', '+Inf', 2],
      [undefined, '10', 0],
      [undefined, '+Inf', 4],
      ['v1', 'bogus', 1000],
    ] as const) {
      buckets.add(leaf, le, rate);
    }
    // Total: 2 of 8 requests ≤ 10 ms; p50's rank 4 falls into +Inf, so the highest finite bound.
    assert.deepEqual(buckets.totalQuantiles([0.1, 0.5]), [4, 10]);
    assert.deepEqual(buckets.leafQuantiles('v1', [0.5]), [5]);
  });

  it('sums a leaf seen in two destination namespaces, as its counts are summed', () => {
    const buckets = new SplitLatencyBuckets();
    buckets.add('v1', '10', 1);
    buckets.add('v1', '+Inf', 1);
    buckets.add('v1', '10', 0);
    buckets.add('v1', '+Inf', 3);
    assert.deepEqual(buckets.leafQuantiles('v1', [0.25, 0.5]), [10, 10]);
    assert.deepEqual(buckets.leafQuantiles('v1', [0.2]), [8]);
  });

  it('has NaN totals when nothing was observed', () => {
    assert.ok(new SplitLatencyBuckets().totalQuantiles([0.5]).every(Number.isNaN));
  });
});
