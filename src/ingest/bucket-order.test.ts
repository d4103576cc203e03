import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BucketOrderCheck } from './bucket-order.js';

const series = (labels: string) => `response_latency_ms_bucket{${labels}}`;

describe('BucketOrderCheck', () => {
  it('finds each histogram whose cumulative counts fall as le grows, wherever le stands', () => {
    const check = new BucketOrderCheck();
    // In order (ties allowed), listed out of order on the page.
    for (const [le, count] of [[Infinity, 9], [10, 5], [100, 5]] as const) check.add(series(`direction="outbound",le="${le}",dst="a"`), le, count);
    // Falls at le=100, le the first label.
    for (const [le, count] of [[10, 7], [100, 3], [Infinity, 7]] as const) check.add(series(`le="${le}",dst="b"`), le, count);
    // +Inf below a finite bucket, le the last label.
    for (const [le, count] of [[10, 2], [Infinity, 1]] as const) check.add(series(`dst="c",le="${le}"`), le, count);
    // NaN counts are no evidence either way.
    for (const [le, count] of [[10, Number.NaN], [Infinity, 1]] as const) check.add(series(`dst="d",le="${le}"`), le, count);
    assert.equal(check.nonMonotonic(), 2);
  });

  it('keeps apart histograms whose labels differ only in a value containing le=', () => {
    const check = new BucketOrderCheck();
    check.add(series(`path="x,le=\\"1\\"",le="10"`), 10, 5);
    check.add(series(`path="y",le="100"`), 100, 1);
    assert.equal(check.nonMonotonic(), 0);
  });
});
