import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TrafficSplit } from '../splits/index.js';
import { TrafficWindow } from '../window/index.js';
import { splitStats } from './rows.js';
import { flattenRows } from './stat-source.js';
import { ScrapeStatSource } from './scrape-source.js';

const bounds = [10, 100, Number.POSITIVE_INFINITY];
const client = { namespace: 'default', kind: 'deployment', name: 'client' };

function split(backends: [string, string, number][]): TrafficSplit {
  const sum = backends.reduce((total, [, , value]) => total + value, 0);
  return {
    kind: 'TrafficSplit',
    key: 'default/web',
    namespace: 'default',
    name: 'web',
    apiVersion: 'split.smi-spec.io/v1alpha2',
    apex: 'web',
    backends: backends.map(([service, weightString, weightValue]) => ({
      service,
      weight: null,
      weightString,
      weightValue,
      weightRatio: weightValue / sum,
    })),
    matches: [],
    labels: {},
    issues: [],
  };
}

/** 60 s of traffic: v1 90 ok + 10 failed (all ≤ 10 ms), v2 20 ok (≤ 100 ms), legacy 30 ok. */
function window(): TrafficWindow {
  const w = new TrafficWindow({ latencyBucketsMs: bounds });
  const interval = w.openInterval();
  const v1 = { apexNamespace: 'default', apex: 'web', leaf: 'web-v1' };
  const v2 = { apexNamespace: 'default', apex: 'web', leaf: 'web-v2' };
  const legacy = { apexNamespace: 'default', apex: 'web', leaf: 'web-legacy' };
  interval.addResponses(v1, client, 'success', 90);
  interval.addResponses(v1, client, 'failure', 10);
  for (const le of bounds) interval.addLatency(v1, client, le, 100);
  interval.addResponses(v2, client, 'success', 20);
  interval.addLatency(v2, client, 100, 20);
  interval.addLatency(v2, client, Number.POSITIVE_INFINITY, 20);
  interval.addResponses(legacy, client, 'success', 30);
  w.commit(interval, 0, 60_000);
  return w;
}

describe('statRows', () => {
  const [stats] = splitStats([split([['web-v1', '90', 90], ['web-v2', '10', 10], ['web-v3', '0', 0]])], window().totals(60_000));
  const rows = stats?.rows ?? [];

  it('computes success rate, rps and quantiles per backend', () => {
    const v1 = rows.find((row) => row.leaf === 'web-v1');
    assert.deepEqual(v1?.stats, {
      successCount: 90,
      failureCount: 10,
      successRate: 0.9,
      rps: 100 / 60,
      latencyMsP50: 5,
      latencyMsP95: 9.5,
      latencyMsP99: 9.9,
      windowSeconds: 60,
    });
    const v2 = rows.find((row) => row.leaf === 'web-v2');
    assert.equal(v2?.stats?.latencyMsP50, 55);
  });

  it('gives a backend without requests no stats at all, never zeros', () => {
    const v3 = rows.find((row) => row.leaf === 'web-v3');
    assert.equal(v3?.stats, null);
    assert.equal(v3?.observedRatio, null);
    assert.equal(v3?.weight, '0');
  });

  it('measures the observed share against every request to the apex, listed leaf or not', () => {
    // 150 requests went to the apex: 100 to v1, 20 to v2, 30 to a leaf the split no longer lists.
    assert.equal(rows.find((row) => row.leaf === 'web-v1')?.observedRatio, 100 / 150);
    assert.equal(rows.find((row) => row.leaf === 'web-v2')?.observedRatio, 20 / 150);
    assert.equal(rows.find((row) => row.leaf === 'web-v1')?.weightRatio, 0.9);
  });

  it('shows 0 ms when requests were counted but the histogram is empty', () => {
    const legacyRows = flattenRows(splitStats([split([['web-legacy', '1', 1]])], window().totals(60_000)));
    assert.equal(legacyRows[0]?.stats?.latencyMsP99, 0);
    assert.equal(legacyRows[0]?.stats?.successCount, 30);
  });

  it('sums every request to the apex for the split as a whole', () => {
    assert.equal(stats?.total?.successCount, 140);
    assert.equal(stats?.total?.failureCount, 10);
    assert.equal(stats?.total?.rps, 150 / 60);
    // 100 requests ≤ 10 ms, 20 in (10, 100], 30 without a histogram: p50 rank 60 of 120 → 6 ms.
    assert.equal(stats?.total?.latencyMsP50, 6);
    assert.equal(splitStats([{ ...split([['x', '1', 1]]), apex: 'idle' }], window().totals(60_000))[0]?.total, null);
  });

  it('keeps the order of splits and backends', () => {
    assert.deepEqual(rows.map((row) => row.leaf), ['web-v1', 'web-v2', 'web-v3']);
  });
});

describe('ScrapeStatSource', () => {
  it('rejects windows below 15 s and beyond the retention', async () => {
    const source = new ScrapeStatSource({ window: window() });
    await assert.rejects(() => source.stats({ splits: [], window: { text: '10s', ms: 10_000 } }), /at least 15s/);
    await assert.rejects(() => source.stats({ splits: [], window: { text: '2h', ms: 7_200_000 } }), /at most 1h/);
    assert.equal((await source.stats({ splits: [split([['web-v1', '1', 1]])], window: { text: '1m', ms: 60_000 } }))[0]?.rows[0]?.stats?.successCount, 90);
  });
});
