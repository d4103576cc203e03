// The splitstat schema: the same stats from splitstat's own exported series, which Prometheus
// sums across collector shards.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusClient, QuerySelectionError, splitstatBatchQueries } from '../../src/promql/index.js';
import { PrometheusStatSource } from '../../src/stats/index.js';
import { startFakePrometheus } from './fake-prometheus.js';
import type { FakePrometheus, FakeSeries } from './fake-prometheus.js';
import { trafficSplit } from './helpers.js';

const web = trafficSplit('prod', 'web', 'web', { 'web-v1': 90, 'web-v2': 10 });
const api = trafficSplit('shop', 'api', 'api', { 'api-v1': 1 });
const SECONDS = [0.005, 0.01, 0.05, 0.1, 0.5];

/** One shard's export of one backend: counters per classification and latency buckets (seconds). */
function shard(namespace: string, split: string, backend: string, success: number, failure: number, bucketRates: readonly number[], shardName: string): FakeSeries[] {
  const labels = { namespace, trafficsplit: split, apex: split, backend, job: 'splitstat', instance: shardName };
  let cumulative = 0;
  return [
    { name: 'trafficsplit_backend_responses_total', labels: { ...labels, classification: 'success' }, value: success },
    { name: 'trafficsplit_backend_responses_total', labels: { ...labels, classification: 'failure' }, value: failure },
    ...[...SECONDS.map(String), '+Inf'].map((le, i) => {
      cumulative += bucketRates[i] ?? 0;
      return { name: 'trafficsplit_backend_response_latency_seconds_bucket', labels: { ...labels, le }, value: cumulative };
    }),
  ];
}

let prometheus: FakePrometheus;
before(async () => {
  prometheus = await startFakePrometheus();
});
after(async () => {
  await prometheus.close();
});
beforeEach(() => {
  prometheus.received.length = 0;
});

describe('splitstat schema', () => {
  it('selects a batch by namespace and name, grouped by split and backend', () => {
    const one = splitstatBatchQueries([web], { range: '1m' });
    assert.equal(one.counts, 'sum(increase(trafficsplit_backend_responses_total{namespace="prod", trafficsplit="web"}[1m])) by (namespace, trafficsplit, kind, backend, classification)');
    assert.equal(
      one.buckets,
      'sum(rate(trafficsplit_backend_response_latency_seconds_bucket{namespace="prod", trafficsplit="web"}[1m])) by (le, namespace, trafficsplit, kind, backend)',
    );
    const two = splitstatBatchQueries([web, api], { range: '5m', to: { namespace: null, service: 'web-v2' } });
    assert.equal(two.counts, 'sum(increase(trafficsplit_backend_responses_total{backend="web-v2", namespace=~"prod|shop", trafficsplit=~"web|api"}[5m])) by (namespace, trafficsplit, kind, backend, classification)');
  });

  it('refuses --from: the exported series carry no client labels', () => {
    assert.throws(() => splitstatBatchQueries([web], { range: '1m', from: { namespace: 'x' } }), QuerySelectionError);
  });

  it('sums the shards, rounds per series, converts seconds to ms, ignores other combinations', async () => {
    prometheus.series = [
      ...shard('prod', 'web', 'web-v1', 40.5, 0, [1, 0, 0, 0, 0, 0], 'shard-0'),
      ...shard('prod', 'web', 'web-v1', 50, 0, [1, 0, 0, 0, 0, 0], 'shard-1'),
      ...shard('prod', 'web', 'web-v2', 9, 1, [0, 0, 0, 1, 0, 0], 'shard-0'),
      ...shard('shop', 'api', 'api-v1', 3, 0, [0, 0, 0, 0, 0, 0], 'shard-1'),
      // Matches the batch's alternations (namespace prod, name api) but is no asked split.
      ...shard('prod', 'api', 'api-v1', 1000, 0, [1, 0, 0, 0, 0, 0], 'shard-1'),
    ];
    const source = new PrometheusStatSource({ client: new PrometheusClient({ url: prometheus.url }), schema: 'splitstat' });
    const [webStats, apiStats] = await source.stats({ splits: [web, api], window: { text: '1m', ms: 60_000 } });
    assert.equal(prometheus.received.length, 2);
    const v1 = webStats?.rows[0]?.stats;
    // Prometheus sums 40.5 + 50 = 90.5 into one series, which rounds to 91.
    assert.equal(v1?.successCount, 91);
    assert.equal(v1?.latencyMsP50, 2.5);
    const v2 = webStats?.rows[1]?.stats;
    assert.deepEqual([v2?.successCount, v2?.failureCount, v2?.rps], [9, 1, 10 / 60]);
    assert.ok(v2 !== undefined && v2 !== null && Math.abs(v2.latencyMsP50 - 75) < 1e-9);
    assert.equal(webStats?.total?.successCount, 100);
    assert.equal(webStats?.rows[1]?.observedRatio, 10 / 101);
    assert.deepEqual([apiStats?.rows[0]?.stats?.successCount, apiStats?.rows[0]?.stats?.latencyMsP99], [3, 0]);
  });
});
