// Istio, Open Service Mesh and Consul Connect sidecars through the scrape path end to end over
// real HTTP: simulated Istio, OSM, Consul (and Linkerd) client pods → scraper → parser → mesh
// adapter (`--mesh istio`, `--mesh osm`, `--mesh consul`, `--mesh envoy` with a pattern, and
// `--mesh auto` on a cluster running them all) → counter increases → window → StatRows, against
// the exact traffic the simulator generated. Latency quantiles are Prometheus' algorithm over each mesh's own buckets,
// and over the bounds both meshes share for a backend that clients of both call.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { normalizeTrafficSplit, SplitStore } from '../../src/splits/index.js';
import type { TrafficSplit } from '../../src/splits/index.js';
import {
  createAutoAdapter,
  createClusterPatternAdapter,
  createConsulAdapter,
  createIstioAdapter,
  createLinkerdAdapter,
  createOsmAdapter,
  ENVOY_LATENCY_BUCKETS_MS,
  ISTIO_LATENCY_BUCKETS_MS,
  parseClusterPattern,
} from '../../src/mesh/index.js';
import type { MeshAdapter } from '../../src/mesh/index.js';
import { commonBounds, TrafficWindow } from '../../src/window/index.js';
import { ScrapeEngine, splitApexFilter } from '../../src/ingest/index.js';
import { parseScenarioText } from '../../src/sim/index.js';
import { startScrapeHarness } from '../helpers/scrape-harness.js';
import { assertRowsMatchTruth } from '../helpers/truth-rows.js';

const SPLITS = `
seed: 11
splits:
  - namespace: shop
    name: checkout
    apex: checkout
    port: 8080
    backends:
      - { service: checkout-v1, weight: 80, pods: 3, successRate: 0.98, latency: { p50: 20ms, p99: 200ms } }
      - { service: checkout-v2, weight: 20, pods: 2, successRate: 0.85, latency: { p50: 35ms, p99: 900ms } }
  - namespace: link
    name: server
    apex: server
    backends:
      - { service: server-v1, weight: 900m, pods: 2, latency: { p50: 5ms, p99: 40ms } }
      - { service: server-v2, weight: 100m, pods: 1, successRate: 0.9, latency: { p50: 8ms, p99: 60ms } }
schedule:
  - after: 25s
    split: link/server
    backends: { server-v1: 500m, server-v2: 500m }
`;

/** Istio clients only: HTTP to checkout, gRPC to server. */
const ISTIO_ONLY = `${SPLITS}
clients:
  - namespace: shop
    workload: deployment/frontend
    mesh: istio
    pods: 2
    calls:
      - { split: shop/checkout, rps: 15 }
  - namespace: link
    workload: deployment/caller
    mesh: istio
    protocol: grpc
    pods: 2
    calls:
      - { split: link/server, rps: 9 }
`;

/** Both meshes: checkout is called by Istio and by Linkerd clients, server by Istio only. */
const MIXED = `${ISTIO_ONLY}
  - namespace: shop
    workload: deployment/legacy-frontend
    proxy: stable-2.11
    pods: 1
    calls:
      - { split: shop/checkout, rps: 6 }
  - namespace: shop
    workload: deployment/new-frontend
    proxy: stable-2.17
    pods: 1
    calls:
      - { split: shop/checkout, rps: 4 }
`;

/** OSM clients only (HTTP: Envoy's cluster counters cannot tell gRPC failures). */
const OSM_ONLY = `${SPLITS}
clients:
  - namespace: shop
    workload: deployment/frontend
    mesh: osm
    pods: 2
    calls:
      - { split: shop/checkout, rps: 15 }
      - { split: link/server, rps: 5 }
`;

/** Linkerd, Istio and OSM clients calling checkout. */
const THREE_MESHES = `${MIXED}
  - namespace: shop
    workload: deployment/osm-frontend
    mesh: osm
    pods: 2
    calls:
      - { split: shop/checkout, rps: 7 }
`;

/** Consul clients only (HTTP; Consul CE: each calls the splits of its own namespace). */
const CONSUL_ONLY = `${SPLITS}
clients:
  - namespace: shop
    workload: deployment/frontend
    mesh: consul
    pods: 2
    calls:
      - { split: shop/checkout, rps: 15 }
  - namespace: link
    workload: deployment/caller
    mesh: consul
    calls:
      - { split: link/server, rps: 9 }
`;

/** Every mesh calling checkout. */
const FOUR_MESHES = `${THREE_MESHES}
  - namespace: shop
    workload: deployment/consul-frontend
    mesh: consul
    calls:
      - { split: shop/checkout, rps: 5 }
`;

/**
 * A weighted HTTPRoute called by clients of every mesh: Istio, OSM and Consul name no route, so
 * their backends' series are attributed through the route; Linkerd 2.17 counts it per route, and
 * its leaf-only series must not count it again.
 */
const HTTPROUTE_ALL_MESHES = `
seed: 17
splits:
  - namespace: shop
    name: checkout-route
    kind: HTTPRoute
    apex: checkout
    port: 8080
    backends:
      - { service: checkout-v1, weight: 80, pods: 2, successRate: 0.97, latency: { p50: 20ms, p99: 200ms } }
      - { service: checkout-v2, weight: 20, successRate: 0.85, latency: { p50: 35ms, p99: 900ms } }
clients:
  - namespace: shop
    workload: deployment/istio-frontend
    mesh: istio
    calls: [{ split: checkout-route, rps: 12 }]
  - namespace: shop
    workload: deployment/osm-frontend
    mesh: osm
    calls: [{ split: checkout-route, rps: 7 }]
  - namespace: shop
    workload: deployment/consul-frontend
    mesh: consul
    calls: [{ split: checkout-route, rps: 5 }]
  - namespace: shop
    workload: deployment/linkerd-frontend
    proxy: stable-2.17
    calls: [{ split: checkout-route, rps: 9 }]
`;

/** OSM's cluster names as another Envoy-based mesh's pattern would read them. */
const OSM_AS_PATTERN = '(?<namespace>[^/]+)/(?<service>[^|]+)\\|[0-9]+';

const FIXTURE = readFileSync(new URL('../fixtures/mesh/istio/istio-1.7.1_sidecar_productpage_requests_total_and_duration.prom', import.meta.url), 'utf8');
const ISTIO_BOUNDS = createIstioAdapter().latencyBucketsMs;
const LINKERD_BOUNDS = createLinkerdAdapter().latencyBucketsMs;

function harness(scenario: string, mesh: MeshAdapter) {
  return startScrapeHarness({ scenario: parseScenarioText(scenario), mesh });
}

describe('Istio and OSM sidecars against the simulator ground truth', () => {
  const open: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const h of open) await h.close();
  });

  it('--mesh istio: every count, rate and share equals the truth, latency over Istio’s own buckets, through a weight change', async () => {
    const h = await harness(ISTIO_ONLY, createIstioAdapter());
    open.push(h);
    const truth = await h.run(6);
    const rows = await h.rows(60_000);
    assert.deepEqual(
      rows.map((row) => `${row.namespace}/${row.name}/${row.leaf}`),
      ['link/server/server-v1', 'link/server/server-v2', 'shop/checkout/checkout-v1', 'shop/checkout/checkout-v2'],
    );
    // Failures happened on both protocols: 503s, resets (response code 0) and gRPC UNAVAILABLE.
    assert.ok(rows.every((row) => (row.stats?.failureCount ?? 0) > 0 || row.leaf === 'server-v1'));
    assertRowsMatchTruth(rows, truth, { boundsOf: () => ISTIO_BOUNDS });
    assert.equal(h.engine.targetsByGeneration().get('istio'), 4);
    assert.ok(h.engine.targetStatuses().every((status) => status.up && status.target.url.endsWith('/stats/prometheus')));
  });

  it('--mesh auto on a cluster running both meshes: each pod read as its own mesh, each request counted once', async () => {
    const h = await harness(MIXED, createAutoAdapter());
    open.push(h);
    const truth = await h.run(6);
    const rows = await h.rows(60_000);
    const shared = commonBounds(LINKERD_BOUNDS, ISTIO_BOUNDS);
    assert.deepEqual(shared, [1, 5, 10, 50, 100, 500, 1000, 5000, 10000, 30000, Number.POSITIVE_INFINITY]);
    // checkout is called by clients of both meshes: its histogram keeps the bounds both have.
    assertRowsMatchTruth(rows, truth, { boundsOf: (row) => (row.name === 'checkout' ? shared : ISTIO_BOUNDS) });
    const generations = h.engine.targetsByGeneration();
    assert.equal(generations.get('istio'), 4);
    assert.equal(generations.get('linkerd-2.12'), 1);
    assert.equal(generations.get('linkerd-2.13'), 1);
    // The exported lifetime histogram of a mixed backend has the shared bounds too.
    const lifetime = [...h.window.lifetimeTotals().values()];
    assert.deepEqual(lifetime.find((totals) => totals.edge.leaf === 'checkout-v2')?.bounds, shared);
    assert.deepEqual(lifetime.find((totals) => totals.edge.leaf === 'server-v2')?.bounds, ISTIO_BOUNDS);
  });

  it('--mesh osm: every count, rate and share equals the truth, latency over Envoy’s buckets; the local cluster and Envoy’s own are skipped', async () => {
    const h = await harness(OSM_ONLY, createOsmAdapter());
    open.push(h);
    const truth = await h.run(6);
    const rows = await h.rows(60_000);
    assert.ok(rows.some((row) => (row.stats?.failureCount ?? 0) > 0));
    assertRowsMatchTruth(rows, truth, { boundsOf: () => ENVOY_LATENCY_BUCKETS_MS });
    assert.equal(h.engine.targetsByGeneration().get('osm'), 2);
  });

  it("--mesh consul: every count, rate and share equals the truth from Consul's destination tags, in each client's namespace", async () => {
    const h = await harness(CONSUL_ONLY, createConsulAdapter());
    open.push(h);
    const truth = await h.run(6);
    const rows = await h.rows(60_000);
    assert.ok(rows.some((row) => (row.stats?.failureCount ?? 0) > 0));
    assertRowsMatchTruth(rows, truth, { boundsOf: () => ENVOY_LATENCY_BUCKETS_MS });
    assert.equal(h.engine.targetsByGeneration().get('consul'), 3);
    assert.ok(h.engine.targetStatuses().every((status) => status.up && status.target.url.endsWith('/metrics')));
  });

  it('--mesh auto with Linkerd, Istio, OSM and Consul clients of one split: each pod read as its own mesh, each request counted once', async () => {
    const h = await harness(FOUR_MESHES, createAutoAdapter());
    open.push(h);
    const truth = await h.run(6);
    const rows = await h.rows(60_000);
    // Istio's, OSM's and Consul's histograms are all Envoy's: checkout keeps the bounds Linkerd's share with them.
    const shared = commonBounds(LINKERD_BOUNDS, ISTIO_BOUNDS);
    assertRowsMatchTruth(rows, truth, { boundsOf: (row) => (row.name === 'checkout' ? shared : ISTIO_BOUNDS) });
    const generations = h.engine.targetsByGeneration();
    assert.deepEqual([generations.get('istio'), generations.get('osm'), generations.get('consul'), generations.get('linkerd-2.12'), generations.get('linkerd-2.13')], [4, 2, 1, 1, 1]);
    assert.ok(h.engine.targetStatuses().every((status) => status.up));
  });

  it('--mesh envoy with a cluster-name pattern reads the same numbers as the built-in naming', async () => {
    const h = await harness(OSM_ONLY, createClusterPatternAdapter(parseClusterPattern(OSM_AS_PATTERN)));
    open.push(h);
    const truth = await h.run(6);
    assertRowsMatchTruth(await h.rows(60_000), truth, { boundsOf: () => ENVOY_LATENCY_BUCKETS_MS });
    assert.equal(h.engine.targetsByGeneration().get('envoy'), 2);
  });

  it('--mesh auto on an HTTPRoute split: the backends of meshes that name no route count through the route, Linkerd’s only through its route families', async () => {
    const h = await harness(HTTPROUTE_ALL_MESHES, createAutoAdapter());
    open.push(h);
    const truth = await h.run(6);
    const rows = await h.rows(60_000);
    assert.deepEqual(
      rows.map((row) => `${row.name}/${row.leaf}`),
      ['checkout-route/checkout-v1', 'checkout-route/checkout-v2'],
    );
    // Linkerd's route histogram, Envoy's and Istio's share these bounds.
    const shared = commonBounds(createLinkerdAdapter().routeLatencyBucketsMs ?? [], ISTIO_BOUNDS);
    assertRowsMatchTruth(rows, truth, { boundsOf: () => shared });
    const generations = h.engine.targetsByGeneration();
    assert.deepEqual([generations.get('istio'), generations.get('osm'), generations.get('consul'), generations.get('linkerd-2.13')], [1, 1, 1, 1]);
  });

  it('--mesh linkerd reads no Istio page: its pods stay unknown and count nothing', async () => {
    const h = await harness(ISTIO_ONLY, createLinkerdAdapter());
    open.push(h);
    await h.run(2);
    assert.ok((await h.rows(60_000)).every((row) => row.stats === null));
    assert.equal(h.engine.targetsByGeneration().get('unknown'), 4);
  });
});

describe('the real Istio page through the scrape engine', () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('attributes its client-side requests and latency to the TrafficSplits listing each leaf', async () => {
    // Two scrapes: the real page, then the same page with every counter doubled (a baseline, then
    // exactly the real page's numbers as the increase).
    let page = FIXTURE;
    const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(page));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stats/prometheus`;
    const store = new SplitStore();
    const split = (name: string, apex: string, backends: string[]): TrafficSplit => {
      const manifest = { apiVersion: 'split.smi-spec.io/v1alpha2', kind: 'TrafficSplit', metadata: { namespace: 'default', name }, spec: { service: apex, backends: backends.map((service) => ({ service, weight: 1 })) } };
      const result = normalizeTrafficSplit(manifest);
      if (!result.ok) throw new Error(result.error);
      return result.split;
    };
    store.replaceAll([split('bookinfo', 'bookinfo', ['details', 'reviews']), split('ratings', 'ratings', ['ratings-v1'])]);
    const mesh = createAutoAdapter();
    const window = new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs, layouts: mesh.layouts });
    const filter = splitApexFilter(store);
    closers.push(() => Promise.resolve(filter.dispose()));
    let now = 1_700_000_000_000;
    const engine = new ScrapeEngine({ targets: { targets: () => [{ url, namespace: 'default', pod: 'productpage-v1-abc' }] }, mesh, window, keepEdge: filter.keepEdge, edgesOfLeaf: filter.edgesOfLeaf, now: () => now });
    closers.push(() => engine.stop());
    await engine.runCycle();
    page = FIXTURE.replace(/ (\S+)$/gm, (_match, value: string) => ` ${Number(value) * 2}`);
    now += 10_000;
    await engine.runCycle();
    assert.equal(engine.targetStatuses()[0]?.generation, 'istio');
    const totals = window.totals(60_000).edges;
    assert.deepEqual([...totals.keys()].sort(), ['default/bookinfo/details', 'default/bookinfo/reviews']);
    const reviews = totals.get('default/bookinfo/reviews');
    assert.equal(reviews?.success, 6);
    assert.equal(reviews?.failure, 0);
    assert.equal(totals.get('default/bookinfo/details')?.success, 6);
    assert.deepEqual(reviews?.bounds, ISTIO_LATENCY_BUCKETS_MS);
    // reviews-v2's complete histogram (1 at ≤ 25 ms, 2 from 100 ms) plus reviews-v1's +Inf (3).
    assert.deepEqual([...(reviews?.latency ?? [])], [0, 0, 0, 0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 5]);
    assert.ok(Math.abs((reviews?.latencySumMs ?? 0) - (429.55 + 76)) < 1e-9);
  });
});
