import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SplitStore } from './store.js';
import { WeightHistory } from './weight-history.js';
import { testSplit } from '../../test/helpers/splits.js';

const split = (v1: number, v2: number, labels: Record<string, string> = {}) =>
  testSplit({ namespace: 'default', name: 'web', apex: 'web', backends: [{ service: 'web-v1', weight: v1 }, { service: 'web-v2', weight: v2 }], labels });

describe('WeightHistory', () => {
  it('keeps each weight change with when it was seen, and the weights each moment had', () => {
    let now = 1000;
    const store = new SplitStore();
    const history = new WeightHistory(store, { retentionMs: 60_000, now: () => now });
    store.upsert(split(90, 10));
    now = 2000;
    store.upsert(split(90, 10, { team: 'a' })); // metadata only: no change of routing
    now = 3000;
    store.upsert(split(50, 50));
    const current = store.list()[0];
    assert.ok(current !== undefined);
    assert.deepEqual(
      history.changesOf(current, 0, 10_000).map((change) => [change.kind, change.at, change.after.map((backend) => backend.weightRatio)]),
      [
        ['created', new Date(1000).toISOString(), [0.9, 0.1]],
        ['updated', new Date(3000).toISOString(), [0.5, 0.5]],
      ],
    );
    // (from, to]: the creation at 1000 is not in (1000, 10000].
    assert.deepEqual(history.changesOf(current, 1000, 10_000).map((change) => change.kind), ['updated']);
    assert.deepEqual([...history.weightRatiosAt(current, 500)], [], 'before its creation was seen, no weights');
    assert.deepEqual([...history.weightRatiosAt(current, 1000)], [['web-v1', 0.9], ['web-v2', 0.1]]);
    assert.deepEqual([...history.weightRatiosAt(current, 2999)], [['web-v1', 0.9], ['web-v2', 0.1]]);
    assert.deepEqual([...history.weightRatiosAt(current, 3000)], [['web-v1', 0.5], ['web-v2', 0.5]]);
    history.dispose();
  });

  it('names the backends a split listed since a time and lists no more', () => {
    let now = 1000;
    const store = new SplitStore();
    const history = new WeightHistory(store, { retentionMs: 60_000, now: () => now });
    const three = testSplit({ namespace: 'default', name: 'web', apex: 'web', backends: ['web-v1', 'web-v2', 'web-v3'].map((service) => ({ service, weight: 1 })) });
    store.upsert(three);
    now = 2000;
    store.upsert(split(50, 50)); // web-v3 taken out
    now = 3000;
    store.upsert(testSplit({ namespace: 'default', name: 'web', apex: 'web', backends: [{ service: 'web-v2', weight: 1 }] })); // web-v1 too
    const current = store.list()[0];
    assert.ok(current !== undefined);
    assert.deepEqual(history.formerBackends(current, 0), ['web-v1', 'web-v3']);
    assert.deepEqual(history.formerBackends(current, 2000), ['web-v1'], 'web-v3 was gone by 2000');
    assert.deepEqual(history.formerBackends(current, 3000), []);
    history.dispose();
  });

  it('forgets changes older than the retention, and then reads today’s weights', () => {
    let now = 0;
    const store = new SplitStore();
    const history = new WeightHistory(store, { retentionMs: 10_000, now: () => now });
    store.upsert(split(90, 10));
    now = 5000;
    store.upsert(split(80, 20));
    now = 12_000;
    const current = store.list()[0];
    assert.ok(current !== undefined);
    assert.deepEqual(history.changesOf(current, 0, now).map((change) => change.kind), ['updated']);
    // Before the oldest change kept: what that change found.
    assert.deepEqual([...history.weightRatiosAt(current, 3000)], [['web-v1', 0.9], ['web-v2', 0.1]]);
    now = 20_000;
    assert.deepEqual(history.changesOf(current, 0, now), []);
    assert.deepEqual([...history.weightRatiosAt(current, 3000)], [['web-v1', 0.8], ['web-v2', 0.2]]);
    history.dispose();
  });

  it('forgets deleted splits once their changes are older than the retention, without being asked about them', () => {
    let now = 0;
    const store = new SplitStore();
    const history = new WeightHistory(store, { retentionMs: 8000, now: () => now });
    for (let i = 0; i < 100; i++) {
      const gone = testSplit({ namespace: 'churn', name: `s${i}`, apex: 'a', backends: [{ service: 'a-v1', weight: 1 }] });
      store.upsert(gone);
      store.delete(gone.key);
    }
    assert.equal(history.trackedSplits, 100);
    now = 20_000;
    store.upsert(split(90, 10));
    // Every deleted split's changes expired; only the new split's creation is left.
    assert.equal(history.trackedSplits, 1);
    history.dispose();
  });

  it('keeps the newest changes of a split that changes more often than the limit, and counts the rest', () => {
    let now = 0;
    const store = new SplitStore();
    const history = new WeightHistory(store, { retentionMs: 3_600_000, maxChangesPerSplit: 3, now: () => now });
    for (let weight = 1; weight <= 6; weight++) {
      now += 1000;
      store.upsert(split(weight, 10));
    }
    const current = store.list()[0];
    assert.ok(current !== undefined);
    assert.deepEqual(history.changesOf(current, 0, now).map((change) => change.after[0]?.weight), ['4', '5', '6']);
    assert.equal(history.dropped, 3);
    // Other splits are not affected by one split's churn, and a deleted split's changes stay until they expire.
    store.upsert(testSplit({ namespace: 'other', name: 'api', apex: 'api', backends: [{ service: 'api-v1', weight: 1 }] }));
    const other = store.list().find((entry) => entry.namespace === 'other');
    assert.ok(other !== undefined);
    assert.deepEqual(history.changesOf(other, 0, now).map((change) => change.kind), ['created']);
    history.dispose();
    store.upsert(split(7, 10));
    assert.equal(history.changesOf(current, 0, now + 1).length, 3, 'stops recording once disposed');
  });
});
