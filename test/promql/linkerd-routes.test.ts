// HTTPRoute splits in prometheus mode (fake Prometheus evaluating the queries): their numbers
// come from the HTTP route-backend families only, classified as `linkerd viz stat-outbound` does,
// with quantiles from the route histogram's seconds; a TrafficSplit of the same apex keeps its own.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeHttpRoute } from '../../src/splits/index.js';
import type { TrafficSplit } from '../../src/splits/index.js';
import { PrometheusClient } from '../../src/promql/index.js';
import { PrometheusStatSource } from '../../src/stats/index.js';
import { assertSameNumbers, linkerdPerSplitStats } from '../helpers/linkerd-per-split.js';
import { startFakePrometheus } from './fake-prometheus.js';
import type { FakePrometheus, FakeSeries } from './fake-prometheus.js';
import { proxySeries, trafficSplit } from './helpers.js';

const NOW = 1_700_000_000_000;
const window = { text: '1m', ms: 60_000 };

function httpRoute(name: string, apex: string, backends: Readonly<Record<string, number>>): TrafficSplit {
  const result = normalizeHttpRoute({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { namespace: 'prod', name },
    spec: { parentRefs: [{ group: 'core', kind: 'Service', name: apex, port: 80 }], rules: [{ backendRefs: Object.entries(backends).map(([backend, weight]) => ({ name: backend, weight })) }] },
  });
  assert.ok(result.ok && result.splits[0] !== undefined);
  return result.splits[0];
}

const route = httpRoute('web-route', 'web', { 'web-v1': 90, 'web-v2': 10 });
const split = trafficSplit('prod', 'web-split', 'web', { 'web-v1': 1, 'web-v2': 1 });

const client = { namespace: 'clients', deployment: 'new', pod: 'new-1' };
function routeLabels(backend: string, routeName = 'web-route'): Record<string, string> {
  return {
    ...client,
    parent_group: 'core', parent_kind: 'Service', parent_namespace: 'prod', parent_name: 'web', parent_port: '80', parent_section_name: '',
    route_group: 'gateway.networking.k8s.io', route_kind: 'HTTPRoute', route_namespace: 'prod', route_name: routeName,
    backend_group: 'core', backend_kind: 'Service', backend_namespace: 'prod', backend_name: backend, backend_port: '80', backend_section_name: '',
  };
}

/** Cumulative bucket rates of the route histogram, `le` as the proxy prints them. */
function durations(name: string, labels: Record<string, string>, perBucket: readonly number[]): FakeSeries[] {
  let cumulative = 0;
  return ['0.025', '0.05', '0.1', '0.25', '0.5', '1.0', '10.0', '+Inf'].map((le, i) => {
    cumulative += perBucket[i] ?? 0;
    return { name, labels: { ...labels, le }, value: cumulative };
  });
}

function series(): FakeSeries[] {
  const statuses = 'outbound_http_route_backend_response_statuses_total';
  return [
    { name: statuses, labels: { ...routeLabels('web-v1'), http_status: '200', error: '' }, value: 80 },
    { name: statuses, labels: { ...routeLabels('web-v1'), http_status: '404', error: '' }, value: 8 },
    { name: statuses, labels: { ...routeLabels('web-v1'), http_status: '503', error: '' }, value: 1 },
    { name: statuses, labels: { ...routeLabels('web-v1'), http_status: '', error: 'FAIL_FAST' }, value: 1 },
    { name: statuses, labels: { ...routeLabels('web-v2'), http_status: '200', error: '' }, value: 9 },
    { name: statuses, labels: { ...routeLabels('web-v2'), http_status: '500', error: '' }, value: 1 },
    // A GRPCRoute's families are no HTTPRoute split's.
    { name: 'outbound_grpc_route_backend_response_statuses_total', labels: { ...routeLabels('web-v2'), route_kind: 'GRPCRoute', grpc_status: 'OK', error: '' }, value: 70 },
    // Another route of the same parent is another split's.
    { name: statuses, labels: { ...routeLabels('web-v1', 'other-route'), http_status: '200', error: '' }, value: 500 },
    // v1: 2/s ≤ 25 ms, 2/s in (100, 250] ms; v2: all in (0.5, 1] s.
    ...durations('outbound_http_route_backend_response_duration_seconds_bucket', routeLabels('web-v1'), [2, 0, 0, 2]),
    ...durations('outbound_http_route_backend_response_duration_seconds_bucket', routeLabels('web-v2'), [0, 0, 0, 0, 0, 1]),
    // The same requests at the endpoint level: the TrafficSplit's family, never the route's.
    ...proxySeries({ client, authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v1', success: 7 }),
  ];
}

describe('prometheus mode: HTTPRoute splits', () => {
  let prometheus: FakePrometheus;
  before(async () => {
    prometheus = await startFakePrometheus(series());
  });
  after(async () => {
    await prometheus.close();
  });

  it('reads the route families per route, classified as stat-outbound, quantiles in ms', async () => {
    const source = new PrometheusStatSource({ client: new PrometheusClient({ url: prometheus.url }), now: () => NOW });
    const [routeStats, splitStats] = await source.stats({ splits: [route, split], window });
    const rows = routeStats?.rows.map((row) => [row.leaf, row.stats?.successCount, row.stats?.failureCount]);
    assert.deepEqual(rows, [
      ['web-v1', 88, 2],
      ['web-v2', 9, 1],
    ]);
    // v1: rank 2 of 4 → the top of the first bucket (25 ms); p95: 100 + 150 × (3.8 − 2) / 2.
    assert.equal(routeStats?.rows[0]?.stats?.latencyMsP50, 25);
    assert.ok(Math.abs((routeStats?.rows[0]?.stats?.latencyMsP95 ?? 0) - (100 + 150 * 0.9)) < 1e-9);
    assert.equal(routeStats?.rows[1]?.stats?.latencyMsP50, 750);
    assert.equal(routeStats?.total?.successCount, 97);
    // The TrafficSplit of the same apex sees the endpoint-level series only.
    assert.deepEqual(splitStats?.rows.map((row) => row.stats?.successCount ?? null), [7, null]);
    const routeQueries = prometheus.received.filter((received) => received.query.includes('route_backend'));
    assert.equal(routeQueries.length, 2, 'one batch: counts and bucket rates');
  });

  it('answers batched exactly what the per-split reference answers', async () => {
    const client = new PrometheusClient({ url: prometheus.url });
    const query = { splits: [route, split], window };
    const batched = await new PrometheusStatSource({ client, now: () => NOW }).stats(query);
    assertSameNumbers(batched, await linkerdPerSplitStats(client, query, { timeMs: NOW, totals: true, queries: 'generations' }));
  });
});
