// The linkerd schema over a mesh of mixed proxies (fake Prometheus evaluating the queries):
// 2.12 pods name the apex, 2.13+ pods name the leaf and keep balancer gauges from the apex to
// it. Every number is worked out by hand, and the batched form equals the per-split reference.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusClient } from '../../src/promql/index.js';
import { linkerdQuerySchema } from '../../src/mesh/index.js';
import { PrometheusStatSource } from '../../src/stats/index.js';
import { assertSameNumbers, linkerdPerSplitStats } from '../helpers/linkerd-per-split.js';
import { startFakePrometheus } from './fake-prometheus.js';
import type { FakePrometheus, FakeSeries } from './fake-prometheus.js';
import { allIn, proxySeries, trafficSplit } from './helpers.js';

const NOW = 1_700_000_000_000;
const web = trafficSplit('prod', 'web-split', 'web', { 'web-v1': 90, 'web-v2': 10 });
const api = trafficSplit('prod', 'api-split', 'api', { 'api-v1': 1, 'web-v2': 1 });
const window = { text: '1m', ms: 60_000 };

const oldPod = { namespace: 'clients', deployment: 'old', pod: 'old-1' };
const newPod = { namespace: 'clients', deployment: 'new', pod: 'new-1' };
const directPod = { namespace: 'clients', deployment: 'direct', pod: 'direct-1' };

/** A 2.13+ proxy's gauge: it keeps a balancer from `parent` to `backend` (profile.rs). */
function balancer(pod: Readonly<Record<string, string>>, parent: string, backend: string): FakeSeries[] {
  const labels = { ...pod, parent_group: 'core', parent_kind: 'Service', parent_namespace: 'prod', parent_name: parent, parent_port: '8080', backend_group: 'core', backend_kind: 'Service', backend_namespace: 'prod', backend_name: backend, backend_port: '8080' };
  return [{ name: 'outbound_http_balancer_endpoints', labels: { ...labels, endpoint_state: 'ready' }, value: 1 }, { name: 'outbound_http_balancer_endpoints', labels: { ...labels, endpoint_state: 'pending' }, value: 0 }];
}

function series(): FakeSeries[] {
  return [
    // 2.12: authority is the apex.
    ...proxySeries({ client: oldPod, authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v1', success: 40, latencyRates: allIn(10, 4) }),
    ...proxySeries({ client: oldPod, authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v2', success: 5, failure: 1 }),
    // 2.12: a direct call to a leaf is not split traffic.
    ...proxySeries({ client: oldPod, authority: 'web-v1.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v1', success: 1000 }),
    // 2.13+: authority is the leaf (`:80` dropped or not), the balancer says it was called through web.
    ...balancer(newPod, 'web', 'web-v1'),
    ...balancer(newPod, 'web', 'web-v2'),
    ...proxySeries({ client: newPod, authority: 'web-v1.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v1', success: 50, latencyRates: allIn(100, 5) }),
    ...proxySeries({ client: newPod, authority: 'web-v2.prod.svc.cluster.local', dstNamespace: 'prod', dstService: 'web-v2', success: 4, failure: 2 }),
    // 2.13+: the pod also calls web itself (no split on that address): its apex series is not counted.
    ...proxySeries({ client: newPod, authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web', success: 700 }),
    // 2.13+ pod that calls web-v2 directly and api (which also lists web-v2): counts for api only.
    ...balancer(directPod, 'web-v2', 'web-v2'),
    ...balancer(directPod, 'api', 'web-v2'),
    ...proxySeries({ client: directPod, authority: 'web-v2.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v2', success: 30 }),
  ];
}

describe('linkerd schema: every proxy generation', () => {
  let prometheus: FakePrometheus;
  before(async () => {
    prometheus = await startFakePrometheus(series());
  });
  after(async () => {
    await prometheus.close();
  });

  const client = () => new PrometheusClient({ url: prometheus.url });

  it('counts 2.12 apex series and 2.13+ leaf series called through the apex, nothing else', async () => {
    const stats = await new PrometheusStatSource({ client: client(), now: () => NOW }).stats({ splits: [web, api], window });
    const counts = stats.map((entry) => entry.rows.map((row) => [row.leaf, row.stats?.successCount ?? null, row.stats?.failureCount ?? null]));
    assert.deepEqual(counts, [
      [
        ['web-v1', 40 + 50, 0],
        ['web-v2', 5 + 4, 1 + 2],
      ],
      [
        ['api-v1', null, null],
        ['web-v2', 30, 0],
      ],
    ]);
    // Latency of both generations is summed before the quantile: 4/s ≤ 10 ms, 5/s in (50, 100].
    const v1 = stats[0]?.rows[0]?.stats;
    assert.equal(v1?.latencyMsP50, 50 + 50 * ((4.5 - 4) / 5));
  });

  it('answers batched exactly what the per-split reference answers', async () => {
    const batched = await new PrometheusStatSource({ client: client(), now: () => NOW }).stats({ splits: [web, api], window });
    assertSameNumbers(batched, await linkerdPerSplitStats(client(), { splits: [web, api], window }, { timeMs: NOW, totals: true, queries: 'generations' }));
  });

  it('counts a backend only another split of the apex lists in the apex total, wherever batches are cut', async () => {
    // web-canary shares web's apex and lists web-v2 only; web-v1's requests still go to the apex.
    const canary = trafficSplit('prod', 'web-canary', 'web', { 'web-v2': 1 });
    const splits = [web, api, canary];
    const narrow = new PrometheusStatSource({ client: client(), now: () => NOW, schema: linkerdQuerySchema({ queryBudget: 1 }) });
    const batched = await narrow.stats({ splits, window });
    assertSameNumbers(batched, await linkerdPerSplitStats(client(), { splits, window }, { timeMs: NOW, totals: true, queries: 'generations' }));
    assert.equal(batched[2]?.total?.successCount, 40 + 50 + 5 + 4);
  });
});
