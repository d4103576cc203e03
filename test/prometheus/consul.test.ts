// A real Prometheus scraping simulated Consul Connect sidecars beside Linkerd proxies, all
// calling one TrafficSplit: the consul schema's queries select every Consul client's response
// exactly once by Consul's destination tags (the raw counters equal the simulator's truth of the
// Consul clients), read the Kubernetes namespace from the client's `namespace` target label
// (Consul CE's namespace is `default`), skip the local app and the Linkerd pages, and take
// quantiles as Prometheus' histogram_quantile does over Envoy's buckets.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeHttpRoute } from '../../src/splits/index.js';
import type { TrafficSplit } from '../../src/splits/index.js';
import { PrometheusClient, QuerySelectionError } from '../../src/promql/index.js';
import type { QuerySchema } from '../../src/promql/index.js';
import { consulQuerySchema, istioQuerySchema, osmQuerySchema } from '../../src/mesh/index.js';
import { PrometheusStatSource } from '../../src/stats/index.js';
import { parseScenarioText } from '../../src/sim/index.js';
import { prometheusSkipReason } from '../helpers/prometheus.js';
import { testSplit } from '../helpers/splits.js';
import { recordedMesh } from './harness.js';

const skip = await prometheusSkipReason();
const TRAFFIC_MS = 6_000;

const SCENARIO = `
seed: 13
splits:
  - namespace: store
    name: cart
    apex: cart
    port: 8080
    backends:
      - { service: cart-v1, weight: 70, pods: 2, successRate: 0.95, latency: { p50: 12ms, p99: 80ms } }
      - { service: cart-v2, weight: 30, successRate: 0.8, latency: { p50: 40ms, p99: 600ms } }
clients:
  - namespace: store
    workload: deployment/web
    mesh: consul
    pods: 2
    calls:
      - { split: cart, rps: 30 }
  - namespace: store
    workload: deployment/legacy
    proxy: stable-2.17
    calls:
      - { split: cart, rps: 10 }
`;

/** A TrafficSplit whose apex is also its name, backends of weight 1. */
function trafficSplit(namespace: string, apex: string, backends: readonly string[]): TrafficSplit {
  return testSplit({ namespace, name: apex, apex, backends: backends.map((service) => ({ service, weight: 1 })) });
}

/** The tags of a Consul cluster's series as Prometheus returns them, plus the client's target label. */
const WEB_V2 = { consul_destination_service: 'web-v2', consul_destination_namespace: 'default', consul_destination_routing_type: 'internal', namespace: 'shop' };

describe('the consul schema', () => {
  const schema = consulQuerySchema();
  it("PromQL: the batch's backends by name, and the client's namespace label where Consul's namespace is default", () => {
    const split = trafficSplit('shop', 'web', ['web-v1', 'web-v2']);
    const { counts } = schema.queries([split], { range: '1m' });
    assert.match(counts, /consul_destination_service=~"web-v1\|web-v2"/);
    assert.match(counts, /by \(consul_destination_service, consul_destination_namespace, consul_destination_routing_type, namespace, classification\)/);
    const sample = { ...WEB_V2, classification: 'failure' };
    assert.deepEqual(schema.keyOf(sample, [split]), { splits: [0], leaf: 'web-v2', classification: 'failure' });
    assert.deepEqual(schema.keyOf({ ...sample, namespace: 'other' }, [split]).splits, []);
    assert.deepEqual(schema.keyOf({ ...sample, consul_destination_namespace: 'shop', namespace: 'other' }, [split]).splits, [0]);
    // --to another namespace's Service: not this one.
    assert.deepEqual(schema.keyOf(sample, [split], { range: '1m', to: { namespace: 'other', service: null } }).splits, []);
  });
});

describe('HTTPRoute splits from the series of meshes that name no route', () => {
  const read = normalizeHttpRoute({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { namespace: 'shop', name: 'web-route' },
    spec: { parentRefs: [{ group: '', kind: 'Service', name: 'web', port: 8080 }], rules: [{ backendRefs: [{ name: 'web-v1', port: 8080, weight: 90 }, { name: 'web-v2', port: 8080, weight: 10 }] }] },
  });
  assert.ok(read.ok);
  const batch = [trafficSplit('shop', 'other', ['other-v1']), ...read.splits];

  it("select the route's backends and count each answer for the route, in the istio, osm and consul schemas", () => {
    const answers: { schema: QuerySchema; selected: RegExp; metric: Readonly<Record<string, string>> }[] = [
      { schema: istioQuerySchema(), selected: /destination_service_name=~"other-v1\|web-v1\|web-v2"/, metric: { destination_service_namespace: 'shop', destination_service_name: 'web-v2', destination_service: 'web-v2.shop.svc.cluster.local' } },
      { schema: osmQuerySchema(), selected: /shop\/\(other-v1\|web-v1\|web-v2\)/, metric: { envoy_cluster_name: 'shop/web-v2|8080' } },
      { schema: consulQuerySchema(), selected: /consul_destination_service=~"other-v1\|web-v1\|web-v2"/, metric: { ...WEB_V2 } },
    ];
    for (const { schema, selected, metric } of answers) {
      assert.match(schema.queries(batch, { range: '1m' }).counts, selected, schema.name);
      assert.deepEqual(schema.keyOf(metric, batch).splits, [1], schema.name);
    }
  });
});

describe('Prometheus over Consul Connect sidecars', { skip, timeout: 60_000 }, () => {
  const recorded = recordedMesh(parseScenarioText(SCENARIO), TRAFFIC_MS);
  const schema = consulQuerySchema();

  it("selects every Consul client's response exactly once, 5xx as failures: the raw counters equal the truth", async () => {
    const split = recorded.split();
    const { counts } = schema.queries([split], { range: '1m' });
    const measured = new Map<string, number>();
    for (const { metric, value } of await recorded.mesh.prometheus.query(counts.replaceAll('increase(', 'last_over_time('))) {
      const key = schema.keyOf(metric, [split]);
      assert.deepEqual(key.splits, [0], JSON.stringify(metric));
      const outcome = `${key.leaf}/${key.classification}`;
      measured.set(outcome, (measured.get(outcome) ?? 0) + value);
    }
    for (const leaf of ['cart-v1', 'cart-v2']) {
      const expected = recorded.truth.select({ leaf, clientWorkload: 'web' });
      assert.ok(expected.success > 50 && expected.failure > 0, `${leaf} had traffic and failures`);
      assert.equal(measured.get(`${leaf}/success`) ?? 0, expected.success, `${leaf} successes`);
      assert.equal(measured.get(`${leaf}/failure`) ?? 0, expected.failure, `${leaf} failures`);
    }
    assert.equal(measured.size, 4);
  });

  it('answers quantiles as histogram_quantile over Envoy’s buckets', async () => {
    assert.ok(recorded.mesh.lastTraffic !== undefined);
    const timeMs = recorded.mesh.lastTraffic.stopMs - 1500;
    const client = new PrometheusClient({ url: recorded.mesh.prometheus.url });
    const [stats] = await new PrometheusStatSource({ client, schema: 'consul', now: () => timeMs }).stats({ splits: [recorded.split()], window: { text: '1m', ms: 60_000 } });
    assert.ok(stats !== undefined);
    for (const row of stats.rows) {
      assert.ok(row.stats !== null && row.stats.successCount > 0, row.leaf);
      const selector = `envoy_cluster_upstream_rq_time_bucket{consul_destination_service="${row.leaf}"}`;
      const [reference] = await client.query(`histogram_quantile(0.95, sum by (le) (rate(${selector}[1m])))`, { timeMs });
      assert.ok(reference !== undefined && reference.value > 0);
      assert.ok(Math.abs(row.stats.latencyMsP95 - reference.value) < 1e-9, `${row.leaf}: p95 ${row.stats.latencyMsP95} = Prometheus' ${reference.value}`);
    }
  });

  it('narrows to one backend with --to, and refuses --from, which Envoy’s series cannot tell', async () => {
    const split = recorded.split();
    const selection = { range: '1m', to: { namespace: 'store', service: 'cart-v2' } };
    const { counts } = schema.queries([split], selection);
    const samples = await recorded.mesh.prometheus.query(counts.replaceAll('increase(', 'last_over_time('));
    const seen = samples.filter((sample) => schema.keyOf(sample.metric, [split], selection).splits.length > 0).reduce((sum, sample) => sum + sample.value, 0);
    assert.equal(seen, recorded.truth.select({ leaf: 'cart-v2', clientWorkload: 'web' }).total);
    const elsewhere = { range: '1m', to: { namespace: 'other', service: 'cart-v2' } };
    assert.ok(samples.every((sample) => schema.keyOf(sample.metric, [split], elsewhere).splits.length === 0));
    assert.throws(() => schema.queries([split], { range: '1m', from: { namespace: 'store' } }), QuerySelectionError);
  });
});
