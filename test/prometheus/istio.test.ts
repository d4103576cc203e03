// A real Prometheus scraping simulated Istio sidecars (HTTP and gRPC clients) beside Linkerd
// proxies, all calling one TrafficSplit: the istio schema's queries select every client-side Istio
// request exactly once (the raw counters equal the simulator's truth of the Istio clients), skip
// the server side and the Linkerd pages, and take quantiles as Prometheus' histogram_quantile does
// over Istio's own buckets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusClient, QuerySelectionError } from '../../src/promql/index.js';
import { istioBatchQueries, ISTIO_LATENCY_BUCKETS_MS } from '../../src/mesh/index.js';
import { PrometheusStatSource } from '../../src/stats/index.js';
import { parseScenarioText } from '../../src/sim/index.js';
import { prometheusSkipReason } from '../helpers/prometheus.js';
import { recordedMesh } from './harness.js';

const skip = await prometheusSkipReason();
const TRAFFIC_MS = 6_000;

const SCENARIO = `
seed: 5
splits:
  - name: checkout
    apex: checkout
    backends:
      - { service: checkout-v1, weight: 75, pods: 2, successRate: 0.95, latency: { p50: 15ms, p99: 90ms } }
      - { service: checkout-v2, weight: 25, pods: 1, successRate: 0.85, latency: { p50: 30ms, p99: 400ms } }
clients:
  - workload: deployment/storefront
    mesh: istio
    pods: 2
    calls:
      - { split: checkout, rps: 25 }
  - workload: deployment/payments
    mesh: istio
    protocol: grpc
    calls:
      - { split: checkout, rps: 15 }
  - workload: deployment/legacy
    proxy: stable-2.17
    calls:
      - { split: checkout, rps: 10 }
`;

describe('Prometheus over Istio sidecars', { skip, timeout: 60_000 }, () => {
  const recorded = recordedMesh(parseScenarioText(SCENARIO), TRAFFIC_MS);
  const istioTruth = (leaf: string) => {
    const [storefront, payments] = [recorded.truth.select({ leaf, clientWorkload: 'storefront' }), recorded.truth.select({ leaf, clientWorkload: 'payments' })];
    return { success: storefront.success + payments.success, failure: storefront.failure + payments.failure };
  };

  it('selects every client-side Istio request exactly once, classified as Linkerd would: the raw counters equal the truth', async () => {
    const { counts } = istioBatchQueries([recorded.split()], { range: '1m' });
    const measured = new Map<string, number>();
    for (const { metric, value } of await recorded.mesh.prometheus.query(counts.replaceAll('increase(', 'last_over_time('))) {
      const key = `${metric.destination_service_name}/${metric.classification === 'failure' ? 'failure' : 'success'}`;
      measured.set(key, (measured.get(key) ?? 0) + value);
    }
    for (const leaf of ['checkout-v1', 'checkout-v2']) {
      const expected = istioTruth(leaf);
      assert.ok(expected.success > 50 && expected.failure > 0, `${leaf} had traffic and failures`);
      assert.equal(measured.get(`${leaf}/success`) ?? 0, expected.success, `${leaf} successes`);
      assert.equal(measured.get(`${leaf}/failure`) ?? 0, expected.failure, `${leaf} failures`);
    }
    // The Linkerd client's requests are on its own page, in its own families: not these.
    assert.ok(recorded.truth.select({ leaf: 'checkout-v1', clientWorkload: 'legacy' }).total > 0);
  });

  it('answers quantiles as histogram_quantile over Istio’s buckets, and within the bucket of the exact quantile', async () => {
    assert.ok(recorded.mesh.lastTraffic !== undefined);
    const timeMs = recorded.mesh.lastTraffic.stopMs - 1500;
    const client = new PrometheusClient({ url: recorded.mesh.prometheus.url });
    const [stats] = await new PrometheusStatSource({ client, schema: 'istio', now: () => timeMs }).stats({ splits: [recorded.split()], window: { text: '1m', ms: 60_000 } });
    assert.ok(stats !== undefined);
    for (const row of stats.rows) {
      assert.ok(row.stats !== null, row.leaf);
      const selector = `istio_request_duration_milliseconds_bucket{reporter="source", destination_service_name="${row.leaf}"}`;
      const [reference] = await client.query(`histogram_quantile(0.95, sum by (le) (rate(${selector}[1m])))`, { timeMs });
      assert.ok(reference !== undefined);
      assert.ok(Math.abs(row.stats.latencyMsP95 - reference.value) < 1e-9, `${row.leaf}: p95 ${row.stats.latencyMsP95} = Prometheus' ${reference.value}`);
      const samples = [recorded.truth.select({ leaf: row.leaf, clientWorkload: 'storefront' }), recorded.truth.select({ leaf: row.leaf, clientWorkload: 'payments' })];
      const exact = Math.max(...samples.map((outcomes) => outcomes.quantileMs(0.95) ?? 0));
      const bounds = [...ISTIO_LATENCY_BUCKETS_MS];
      const upper = bounds.find((bound) => exact <= bound) ?? Number.POSITIVE_INFINITY;
      assert.ok(row.stats.latencyMsP95 > 0 && row.stats.latencyMsP95 <= upper, `${row.leaf}: p95 ${row.stats.latencyMsP95} ≤ ${upper}`);
    }
  });

  it('filters by client workload, and refuses --from pod, which Istio’s series cannot tell', async () => {
    const { counts } = istioBatchQueries([recorded.split()], { range: '1m', from: { kind: 'deployment', name: 'payments', namespace: 'default' } });
    const seen = (await recorded.mesh.prometheus.query(counts.replaceAll('increase(', 'last_over_time('))).reduce((sum, sample) => sum + sample.value, 0);
    assert.equal(seen, recorded.truth.select({ clientWorkload: 'payments' }).total);
    assert.throws(() => istioBatchQueries([recorded.split()], { range: '1m', from: { kind: 'pod', name: 'x' } }), QuerySelectionError);
  });
});
