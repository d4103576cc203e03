import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { storageKey } from '../mesh/index.js';
import { TrafficWindow } from './traffic-window.js';
import { ClientEntries, sourceKeyOf } from './interval.js';
import type { SourceWorkload } from './interval.js';

const buckets = [10, 100, Number.POSITIVE_INFINITY];
const edgeV1 = { apexNamespace: 'default', apex: 'web', leaf: 'web-v1' };
const edgeV2 = { apexNamespace: 'default', apex: 'web', leaf: 'web-v2' };
const client: SourceWorkload = { namespace: 'default', kind: 'deployment', name: 'client' };
const other: SourceWorkload = { namespace: 'batch', kind: 'job', name: 'loader' };

/** Commits intervals of 10 s ending at 10, 20, …; each with `perInterval` successes on v1. */
function filled(intervals: number, perInterval = 5, options = {}): TrafficWindow {
  const window = new TrafficWindow({ latencyBucketsMs: buckets, ...options });
  for (let i = 1; i <= intervals; i++) {
    const interval = window.openInterval();
    interval.addResponses(edgeV1, client, 'success', perInterval);
    interval.addLatency(edgeV1, client, 10, perInterval);
    interval.addLatency(edgeV1, client, 100, perInterval);
    interval.addLatency(edgeV1, client, Number.POSITIVE_INFINITY, perInterval);
    interval.addLatencySum(edgeV1, client, 7 * perInterval);
    window.commit(interval, (i - 1) * 10_000, i * 10_000);
  }
  return window;
}

describe('TrafficWindow', () => {
  it('sums the intervals that end inside the window and reports what they cover', () => {
    const window = filled(12);
    const minute = window.totals(60_000);
    assert.equal(minute.coveredMs, 60_000);
    assert.equal(minute.endMs, 120_000);
    assert.equal(minute.edges.get('default/web/web-v1')?.success, 30);
    assert.deepEqual([...(minute.edges.get('default/web/web-v1')?.latency ?? [])], [30, 30, 30]);
    assert.equal(minute.edges.get('default/web/web-v1')?.latencySumMs, 210);
  });

  it('ends a window at an earlier time when asked (history), counting only what ended by then', () => {
    const window = filled(12, 1);
    // A distinct count per interval, so the wrong intervals cannot give the right sum.
    const marked = window.openInterval();
    marked.addResponses(edgeV1, client, 'success', 100);
    window.commit(marked, 120_000, 130_000);
    const earlier = window.totals(30_000, {}, 90_000);
    assert.equal(earlier.endMs, 90_000);
    assert.equal(earlier.coveredMs, 30_000);
    assert.equal(earlier.edges.get('default/web/web-v1')?.success, 3);
    // An end between two intervals: the intervals that end in (65 s, 95 s], covering 60–90 s.
    const between = window.totals(30_000, {}, 95_000);
    assert.equal(between.endMs, 90_000);
    assert.equal(between.coveredMs, 30_000);
    assert.equal(between.edges.get('default/web/web-v1')?.success, 3);
    const shifted = window.totals(30_000, {}, 75_000);
    assert.equal(shifted.endMs, 70_000);
    assert.equal(shifted.coveredMs, 30_000);
    // Before the first interval: nothing, and no coverage to divide by.
    const before = window.totals(30_000, {}, 5_000);
    assert.equal(before.coveredMs, 0);
    assert.equal(before.edges.size, 0);
    // The newest end is the default, and cached answers for one end never answer another.
    assert.equal(window.totals(30_000).edges.get('default/web/web-v1')?.success, 102);
    assert.equal(window.totals(30_000, {}, 130_000).edges.get('default/web/web-v1')?.success, 102);
    assert.equal(window.totals(30_000, {}, 120_000).edges.get('default/web/web-v1')?.success, 3);
  });

  it('covers less than the window when less data exists', () => {
    const window = filled(2);
    const totals = window.totals(60_000);
    assert.equal(totals.coveredMs, 20_000);
    assert.equal(totals.edges.get('default/web/web-v1')?.success, 10);
  });

  it('is empty before the first interval', () => {
    const window = new TrafficWindow({ latencyBucketsMs: buckets });
    const totals = window.totals(60_000);
    assert.equal(totals.edges.size, 0);
    assert.equal(totals.coveredMs, 0);
  });

  it('rounds a window that is not a multiple of the interval up to whole intervals', () => {
    const window = filled(6);
    const totals = window.totals(15_000);
    assert.equal(totals.coveredMs, 20_000);
    assert.equal(totals.edges.get('default/web/web-v1')?.success, 10);
  });

  it('keeps outcomes, edges and clients apart and filters by client', () => {
    const window = new TrafficWindow({ latencyBucketsMs: buckets });
    const interval = window.openInterval();
    interval.addResponses(edgeV1, client, 'success', 8);
    interval.addResponses(edgeV1, client, 'failure', 2);
    interval.addResponses(edgeV2, other, 'success', 3);
    interval.addResponses(edgeV1, other, 'failure', 1);
    window.commit(interval, 0, 10_000);
    const all = window.totals(60_000);
    assert.deepEqual([all.edges.get('default/web/web-v1')?.success, all.edges.get('default/web/web-v1')?.failure], [8, 3]);
    assert.equal(all.edges.get('default/web/web-v2')?.success, 3);
    const fromClient = window.totals(60_000, { namespace: 'default', kind: 'deployment', name: 'client' });
    assert.deepEqual([fromClient.edges.get('default/web/web-v1')?.failure, fromClient.edges.has('default/web/web-v2')], [2, false]);
    const fromBatch = window.totals(60_000, { namespace: 'batch' });
    assert.equal(fromBatch.edges.get('default/web/web-v2')?.success, 3);
  });

  it('drops intervals older than the retention', () => {
    const window = filled(20, 5, { retentionMs: 60_000 });
    assert.equal(window.totals(3_600_000).coveredMs, 60_000);
    assert.equal(window.totals(3_600_000).edges.get('default/web/web-v1')?.success, 30);
  });

  it('drops the oldest intervals past maxHistoryBytes, counts them, and says the window covers less', () => {
    const perInterval = filled(1).historyBytes;
    assert.ok(perInterval > 0);
    const window = filled(20, 5, { maxHistoryBytes: perInterval * 6 });
    assert.equal(window.bucketCount, 6);
    assert.equal(window.historyBytes, perInterval * 6);
    assert.equal(window.droppedIntervalsTotal, 14);
    const totals = window.totals(3_600_000);
    assert.equal(totals.coveredMs, 60_000);
    assert.equal(totals.edges.get('default/web/web-v1')?.success, 30);
    // What was counted before the drop stays in the lifetime totals.
    assert.equal(window.lifetimeTotals().get('default/web/web-v1')?.success, 100);
    const unbounded = filled(20);
    assert.equal(unbounded.droppedIntervalsTotal, 0);
    assert.equal(unbounded.historyBytes, perInterval * 20);
  });

  it('keeps the newest interval even when it alone is over maxHistoryBytes', () => {
    const window = filled(3, 5, { maxHistoryBytes: 1 });
    assert.equal(window.bucketCount, 1);
    assert.equal(window.droppedIntervalsTotal, 2);
    assert.equal(window.totals(3_600_000).coveredMs, 10_000);
    assert.equal(window.totals(3_600_000).edges.get('default/web/web-v1')?.success, 5);
  });

  it('merges old intervals into coarse buckets without changing totals', () => {
    const fine = filled(60, 5, { fineRetentionMs: 10 * 60_000 });
    const compacted = filled(60, 5, { fineRetentionMs: 60_000, coarseBucketMs: 60_000 });
    assert.ok(compacted.bucketCount < fine.bucketCount, `${compacted.bucketCount} < ${fine.bucketCount}`);
    for (const windowMs of [60_000, 300_000, 600_000]) {
      const a = fine.totals(windowMs).edges.get('default/web/web-v1');
      const b = compacted.totals(windowMs).edges.get('default/web/web-v1');
      assert.equal(b?.success, a?.success, `window ${windowMs}`);
      assert.deepEqual([...(b?.latency ?? [])], [...(a?.latency ?? [])]);
    }
  });

  it('gives coverage rounded to coarse buckets for windows reaching into them', () => {
    const window = filled(60, 5, { fineRetentionMs: 60_000, coarseBucketMs: 60_000 });
    const totals = window.totals(95_000);
    // (600 − 95, 600] reaches into the coarse minute (480, 540]: the whole minute counts.
    assert.equal(totals.coveredMs, 120_000);
    assert.equal(totals.edges.get('default/web/web-v1')?.success, 60);
  });

  it('keeps lifetime totals that outlive the retention', () => {
    const window = filled(20, 5, { retentionMs: 60_000 });
    const lifetime = window.lifetimeTotals().get('default/web/web-v1');
    assert.equal(lifetime?.success, 100);
    assert.equal(lifetime?.latencySumMs, 700);
    assert.deepEqual([...(lifetime?.latency ?? [])], [100, 100, 100]);
  });

  it('ignores zero increases and unknown latency bounds', () => {
    const window = new TrafficWindow({ latencyBucketsMs: buckets });
    const interval = window.openInterval();
    interval.addResponses(edgeV1, client, 'success', 0);
    interval.addLatency(edgeV1, client, 7, 3);
    window.commit(interval, 0, 10_000);
    assert.equal(window.totals(60_000).edges.size, 0);
  });

  it('reuses one interval builder: an interval not committed is dropped, a committed one is not added again', () => {
    const window = new TrafficWindow({ latencyBucketsMs: buckets });
    const dropped = window.openInterval();
    dropped.addResponses(edgeV1, client, 'success', 1000);
    const first = window.openInterval();
    assert.equal(first.entries.length, 0);
    first.addResponses(edgeV1, client, 'success', 4);
    window.commit(first, 0, 10_000);
    const second = window.openInterval();
    second.addResponses(edgeV1, client, 'success', 6);
    second.addResponses(edgeV2, client, 'success', 1);
    window.commit(second, 10_000, 20_000);
    assert.equal(window.totals(10_000).edges.get('default/web/web-v1')?.success, 6);
    assert.equal(window.totals(20_000).edges.get('default/web/web-v1')?.success, 10);
    assert.equal(window.lifetimeTotals().get('default/web/web-v1')?.success, 10);
    assert.throws(() => window.commit(new TrafficWindow({ latencyBucketsMs: buckets }).openInterval(), 20_000, 30_000), /not an interval this window opened/);
  });

  it('forgets entries without increases for a while, and a client whose entry was forgotten still counts', () => {
    const window = new TrafficWindow({ latencyBucketsMs: buckets });
    const busy = new ClientEntries();
    const quiet = new ClientEntries();
    const values = new Float64Array(window.valuesLength(edgeV1));
    values[0] = 1;
    const add = (entries: ClientEntries, source: SourceWorkload, interval = window.openInterval()): void =>
      entries.add(interval, edgeV1, storageKey(edgeV1), source, sourceKeyOf(source), values);
    let interval = window.openInterval();
    add(busy, client, interval);
    add(quiet, other, interval);
    window.commit(interval, 0, 10_000);
    assert.equal(interval.size, 2);
    for (let i = 1; i <= 130; i++) {
      interval = window.openInterval();
      add(busy, client, interval);
      window.commit(interval, i * 10_000, (i + 1) * 10_000);
      // Kept for at least ENTRY_IDLE_INTERVALS (60) intervals without increases.
      if (i === 61) assert.equal(interval.size, 2, 'forgotten too early');
    }
    assert.equal(interval.size, 1, 'the entry of the quiet client is forgotten');
    interval = window.openInterval();
    add(quiet, other, interval);
    window.commit(interval, 1_310_000, 1_320_000);
    assert.equal(interval.size, 2);
    assert.equal(window.totals(10_000, { name: 'loader' }).edges.get('default/web/web-v1')?.success, 1);
    assert.equal(window.lifetimeTotals().get('default/web/web-v1')?.success, 133);
  });
});
