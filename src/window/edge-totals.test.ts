import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { addTotals, commonBounds, emptyTotals } from './edge-totals.js';
import { TrafficWindow } from './traffic-window.js';
import type { SourceWorkload } from './interval.js';

const INF = Number.POSITIVE_INFINITY;
const A = [1, 2, 5, 10, INF];
const B = [0.5, 1, 5, 25, INF];
const edge = { apexNamespace: 'ns', apex: 'web', leaf: 'web-v1' };
const client: SourceWorkload = { namespace: 'ns', kind: 'deployment', name: 'client' };

describe('edge totals of different histogram layouts', () => {
  it('keeps the bounds both layouts have, the same array every time', () => {
    assert.deepEqual(commonBounds(A, B), [1, 5, INF]);
    assert.equal(commonBounds(A, B), commonBounds(A, B));
    assert.equal(commonBounds(A, A), A);
    const common = commonBounds(A, B);
    // Already common: stays itself, whichever layout is added next.
    assert.equal(commonBounds(common, A), common);
    assert.equal(commonBounds(common, B), common);
  });

  it('sums cumulative counts exactly at the shared bounds', () => {
    const sum = emptyTotals(edge, A);
    addTotals(sum, { ...emptyTotals(edge, A), success: 10, latency: Float64Array.from([1, 3, 6, 9, 10]) });
    assert.equal(sum.bounds, A);
    addTotals(sum, { ...emptyTotals(edge, B), success: 4, failure: 1, latencySumMs: 40, latency: Float64Array.from([0, 1, 2, 4, 5]) });
    assert.deepEqual(sum.bounds, [1, 5, INF]);
    assert.deepEqual([...sum.latency], [1 + 1, 6 + 2, 10 + 5]);
    assert.equal(sum.success, 14);
    assert.equal(sum.failure, 1);
    addTotals(sum, { ...emptyTotals(edge, A), success: 1, latency: Float64Array.from([1, 1, 1, 1, 1]) });
    assert.deepEqual([...sum.latency], [3, 9, 16]);
  });

  it('a window keeps each layout of an edge apart and reads them as one edge', () => {
    const window = new TrafficWindow({ latencyBucketsMs: A, layouts: { other: B } });
    const interval = window.openInterval();
    interval.addResponses(edge, client, 'success', 3);
    for (const le of A) interval.addLatency(edge, client, le, le === 1 ? 1 : 3);
    const other = { ...edge, layout: 'other' };
    interval.addResponses(other, client, 'failure', 2);
    for (const le of B) interval.addLatency(other, client, le, le < 5 ? 0 : 2);
    // The same client in both layouts: two entries, never one of mixed lengths.
    assert.equal(interval.entries.length, 2);
    window.commit(interval, 0, 10_000);
    const totals = window.totals(60_000).edges.get('ns/web/web-v1');
    assert.equal(totals?.success, 3);
    assert.equal(totals?.failure, 2);
    assert.deepEqual(totals?.bounds, [1, 5, INF]);
    assert.deepEqual([...(totals?.latency ?? [])], [1, 5, 5]);
    assert.deepEqual(window.lifetimeTotals().get('ns/web/web-v1')?.bounds, [1, 5, INF]);
    assert.throws(() => window.boundsOf({ ...edge, layout: 'nope' }), /no latency layout named "nope"/);
  });
});
