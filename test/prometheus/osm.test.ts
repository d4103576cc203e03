// A real Prometheus scraping simulated Open Service Mesh sidecars beside Linkerd proxies, all
// calling one TrafficSplit: the osm schema's queries select every OSM client's response exactly
// once from its Envoy's backend clusters (the raw counters equal the simulator's truth of the OSM
// clients), skip the local cluster and the Linkerd pages, and take quantiles as Prometheus'
// histogram_quantile does over Envoy's buckets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusClient, QuerySelectionError } from '../../src/promql/index.js';
import { osmBatchQueries, osmClusterLeaf, parseClusterPattern } from '../../src/mesh/index.js';
import { PrometheusStatSource } from '../../src/stats/index.js';
import { parseScenarioText } from '../../src/sim/index.js';
import { prometheusSkipReason } from '../helpers/prometheus.js';
import { recordedMesh } from './harness.js';

const skip = await prometheusSkipReason();
const TRAFFIC_MS = 6_000;

const SCENARIO = `
seed: 9
splits:
  - name: bookstore
    apex: bookstore
    port: 14001
    backends:
      - { service: bookstore-v1, weight: 80, pods: 2, successRate: 0.95, latency: { p50: 15ms, p99: 90ms } }
      - { service: bookstore-v2, weight: 20, successRate: 0.85, latency: { p50: 30ms, p99: 400ms } }
clients:
  - workload: deployment/bookbuyer
    mesh: osm
    pods: 2
    calls:
      - { split: bookstore, rps: 30 }
  - workload: deployment/legacy
    proxy: stable-2.17
    calls:
      - { split: bookstore, rps: 10 }
`;

describe('Prometheus over Open Service Mesh sidecars', { skip, timeout: 60_000 }, () => {
  const recorded = recordedMesh(parseScenarioText(SCENARIO), TRAFFIC_MS);

  it("selects every OSM client's response exactly once, 5xx as failures: the raw counters equal the truth", async () => {
    const { counts } = osmBatchQueries([recorded.split()], { range: '1m' });
    const measured = new Map<string, number>();
    for (const { metric, value } of await recorded.mesh.prometheus.query(counts.replaceAll('increase(', 'last_over_time('))) {
      const key = `${osmClusterLeaf(metric.envoy_cluster_name)?.leaf}/${metric.classification === 'failure' ? 'failure' : 'success'}`;
      measured.set(key, (measured.get(key) ?? 0) + value);
    }
    for (const leaf of ['bookstore-v1', 'bookstore-v2']) {
      const expected = recorded.truth.select({ leaf, clientWorkload: 'bookbuyer' });
      assert.ok(expected.success > 50 && expected.failure > 0, `${leaf} had traffic and failures`);
      assert.equal(measured.get(`${leaf}/success`) ?? 0, expected.success, `${leaf} successes`);
      assert.equal(measured.get(`${leaf}/failure`) ?? 0, expected.failure, `${leaf} failures`);
    }
    assert.deepEqual([...measured.keys()].filter((key) => !key.startsWith('bookstore-')), []);
  });

  it('answers quantiles as histogram_quantile over Envoy’s buckets', async () => {
    assert.ok(recorded.mesh.lastTraffic !== undefined);
    const timeMs = recorded.mesh.lastTraffic.stopMs - 1500;
    const client = new PrometheusClient({ url: recorded.mesh.prometheus.url });
    const [stats] = await new PrometheusStatSource({ client, schema: 'osm', now: () => timeMs }).stats({ splits: [recorded.split()], window: { text: '1m', ms: 60_000 } });
    assert.ok(stats !== undefined);
    for (const row of stats.rows) {
      assert.ok(row.stats !== null && row.stats.successCount > 0, row.leaf);
      const selector = `envoy_cluster_upstream_rq_time_bucket{envoy_cluster_name="default/${row.leaf}|14001"}`;
      const [reference] = await client.query(`histogram_quantile(0.95, sum by (le) (rate(${selector}[1m])))`, { timeMs });
      assert.ok(reference !== undefined && reference.value > 0);
      assert.ok(Math.abs(row.stats.latencyMsP95 - reference.value) < 1e-9, `${row.leaf}: p95 ${row.stats.latencyMsP95} = Prometheus' ${reference.value}`);
    }
  });

  it('narrows to one backend with --to, and refuses --from, which Envoy’s series cannot tell', async () => {
    const { counts } = osmBatchQueries([recorded.split()], { range: '1m', to: { namespace: 'default', service: 'bookstore-v2' } });
    const seen = (await recorded.mesh.prometheus.query(counts.replaceAll('increase(', 'last_over_time('))).reduce((sum, sample) => sum + sample.value, 0);
    assert.equal(seen, recorded.truth.select({ leaf: 'bookstore-v2', clientWorkload: 'bookbuyer' }).total);
    assert.throws(() => osmBatchQueries([recorded.split()], { range: '1m', from: { namespace: 'default' } }), QuerySelectionError);
  });

  it('--prometheus-schema envoy with a pattern that reads OSM’s names answers what the osm schema answers', async () => {
    assert.ok(recorded.mesh.lastTraffic !== undefined);
    const timeMs = recorded.mesh.lastTraffic.stopMs - 1500;
    const client = new PrometheusClient({ url: recorded.mesh.prometheus.url });
    const ask = (source: PrometheusStatSource) => source.stats({ splits: [recorded.split()], window: { text: '1m', ms: 60_000 } });
    const pattern = parseClusterPattern('(?<namespace>[^/]+)/(?<service>[^|]+)\\|[0-9]+');
    const [byPattern] = await ask(new PrometheusStatSource({ client, schema: 'envoy', envoyClusterPattern: pattern, now: () => timeMs }));
    const [byOsm] = await ask(new PrometheusStatSource({ client, schema: 'osm', now: () => timeMs }));
    assert.ok(byOsm !== undefined && byOsm.rows.every((row) => (row.stats?.successCount ?? 0) > 0));
    assert.deepEqual(byPattern?.rows, byOsm.rows);
  });
});
