import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { histogramQuantile } from './quantile.js';

const inf = Number.POSITIVE_INFINITY;

describe('histogramQuantile (Prometheus algorithm)', () => {
  it('interpolates linearly inside the bucket that holds the rank', () => {
    // 10 observations: 4 ≤ 10, 8 ≤ 20, 10 ≤ 50. p50: rank 5 → bucket (10,20], 1 of 4 → 12.5.
    const buckets = [
      { le: 10, count: 4 },
      { le: 20, count: 8 },
      { le: 50, count: 10 },
      { le: inf, count: 10 },
    ];
    assert.equal(histogramQuantile(0.5, buckets), 12.5);
    // p95: rank 9.5 → bucket (20,50], 1.5 of 2 → 20 + 30 × 0.75 = 42.5.
    assert.equal(histogramQuantile(0.95, buckets), 42.5);
    // p99: rank 9.9 → 20 + 30 × 0.95; float64 steps in Prometheus' order give 48.50000000000001.
    assert.equal(histogramQuantile(0.99, buckets), 20 + 30 * ((0.99 * 10 - 8) / 2));
    assert.notEqual(histogramQuantile(0.99, buckets), 48.5);
  });

  it('starts the first bucket at zero', () => {
    const buckets = [
      { le: 100, count: 10 },
      { le: inf, count: 10 },
    ];
    assert.equal(histogramQuantile(0.5, buckets), 50);
  });

  it('returns the highest finite bound when the rank falls into +Inf', () => {
    const buckets = [
      { le: 1, count: 1 },
      { le: 50000, count: 2 },
      { le: inf, count: 10 },
    ];
    assert.equal(histogramQuantile(0.99, buckets), 50000);
  });

  it('is NaN without observations, without +Inf, or with fewer than two buckets', () => {
    assert.ok(Number.isNaN(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: inf, count: 0 }])));
    assert.ok(Number.isNaN(histogramQuantile(0.5, [{ le: 1, count: 3 }, { le: 2, count: 3 }])));
    assert.ok(Number.isNaN(histogramQuantile(0.5, [{ le: inf, count: 3 }])));
    assert.ok(Number.isNaN(histogramQuantile(0.5, [])));
  });

  it('follows Go where NaN counts make the comparisons false', () => {
    // A NaN total is not 0, its rank is NaN, no bucket reaches it: the highest finite bound.
    assert.equal(histogramQuantile(0.5, [{ le: 1, count: Number.NaN }, { le: 7, count: Number.NaN }, { le: inf, count: Number.NaN }]), 7);
    // Bisection (as sort.Search) probes the NaN first and moves past the bucket a scan from the
    // bottom would pick (le 1, reaching rank 2), into le 4, whose lower neighbour is NaN.
    assert.ok(Number.isNaN(histogramQuantile(0.25, [{ le: 1, count: 2 }, { le: 2, count: Number.NaN }, { le: 4, count: 8 }, { le: inf, count: 8 }])));
  });

  it('handles q outside 0..1 like Prometheus', () => {
    const buckets = [{ le: 1, count: 1 }, { le: inf, count: 1 }];
    assert.equal(histogramQuantile(-0.1, buckets), Number.NEGATIVE_INFINITY);
    assert.equal(histogramQuantile(1.1, buckets), inf);
  });

  it('sorts unsorted input, merges equal bounds and repairs dips', () => {
    const buckets = [
      { le: inf, count: 10 },
      { le: 20, count: 4 },
      { le: 10, count: 5 }, // a dip: 10 ≤ 10 but only 4 ≤ 20
      { le: 20, count: 4 },
    ];
    // After merge: 10→5, 20→8, inf→10; p50 rank 5 → within (0,10] at 5/5 → 10.
    assert.equal(histogramQuantile(0.5, buckets), 10);
  });

  it('picks the lower bucket when the rank equals a cumulative count exactly', () => {
    const buckets = [
      { le: 5, count: 5 },
      { le: 10, count: 5 },
      { le: 20, count: 10 },
      { le: inf, count: 10 },
    ];
    assert.equal(histogramQuantile(0.5, buckets), 5);
  });
});
