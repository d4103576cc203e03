// HTTPRoute splits through the scrape path end to end, over real HTTP: simulated Linkerd 2.17
// proxies → scraper → parser → Linkerd mapping (route-backend families for the HTTPRoute,
// response_total for the TrafficSplit) → window with both histogram layouts → per-backend stats,
// checked against the exact traffic the simulator generated. Time is virtual so every number
// can be compared exactly.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLinkerdAdapter } from '../../src/mesh/index.js';
import { histogramQuantile } from '../../src/window/index.js';
import type { SplitStats, StatRow } from '../../src/stats/index.js';
import { latencyBucketsMsOf, parseScenarioText } from '../../src/sim/index.js';
import type { GroundTruth, ScenarioSplitKind } from '../../src/sim/index.js';
import { startScrapeHarness } from '../helpers/scrape-harness.js';

const SCENARIO = `
seed: 5
splits:
  - namespace: shop
    name: web-route
    kind: HTTPRoute
    apex: web
    port: 8080
    backends:
      - { service: web-v1, weight: 90, pods: 2, successRate: 0.97, latency: { p50: 30ms, p99: 300ms } }
      - { service: web-v2, weight: 10, pods: 1, successRate: 0.85, latency: { p50: 60ms, p99: 1500ms } }
  - namespace: shop
    name: api
    apex: api
    port: 8080
    backends:
      - { service: api-v1, weight: 80, pods: 2, successRate: 0.99, latency: { p50: 12ms, p99: 90ms } }
      - { service: api-v2, weight: 20, pods: 1, successRate: 0.9, latency: { p50: 20ms, p99: 400ms } }
clients:
  # One page carries both kinds: the route's requests must not reach the TrafficSplit, nor the other way.
  - namespace: shop
    workload: deployment/frontend
    pods: 2
    proxy: stable-2.17
    calls:
      - { split: web-route, rps: 40 }
      - { split: api, rps: 15 }
  - namespace: shop
    workload: deployment/mobile-gateway
    proxy: stable-2.17
    calls:
      - { split: web-route, rps: 10 }
  - namespace: batch
    workload: job/loader
    proxy: stable-2.17
    calls:
      - { split: shop/api, rps: 5 }
schedule:
  - after: 25s
    split: shop/web-route
    backends: { web-v1: 50, web-v2: 50 }
`;

const WINDOW_MS = 60_000;
const ADAPTER = createLinkerdAdapter();
const ROUTE_KEY = 'shop/web-route:HTTPRoute.gateway.networking.k8s.io';

/** The product's bounds for a split's histogram, without +Inf (Outcomes.bucketCounts adds it). */
function productBounds(kind: ScenarioSplitKind): readonly number[] {
  const bounds = kind === 'HTTPRoute' ? ADAPTER.routeLatencyBucketsMs : ADAPTER.latencyBucketsMs;
  assert.ok(bounds !== undefined, 'the Linkerd adapter has route latency buckets');
  return bounds.slice(0, -1);
}

function harness() {
  return startScrapeHarness({ scenario: parseScenarioText(SCENARIO, 'httproute.yaml'), mesh: ADAPTER });
}

/** Every backend row equals the truth of its split: counts, rate, share, and the quantiles of its own histogram layout. */
function assertSplitMatchesTruth(entry: SplitStats, truth: GroundTruth): void {
  const { split } = entry;
  const kind = split.kind;
  const windowSeconds = truth.windowMs / 1000;
  const apex = truth.select({ namespace: split.namespace, kind, split: split.name });
  assert.ok(apex.total > 0, `${split.key} had traffic`);
  for (const row of entry.rows) {
    const where = `${split.key} → ${row.leaf}`;
    const leaf = truth.select({ namespace: split.namespace, kind, split: split.name, leaf: row.leaf });
    assert.ok(leaf.total > 0, `${where} had traffic`);
    assert.ok(row.stats !== null, `${where} has numbers`);
    assert.equal(row.stats.successCount, leaf.success, `${where}: successes`);
    assert.equal(row.stats.failureCount, leaf.failure, `${where}: failures`);
    assert.equal(row.stats.rps, leaf.total / windowSeconds, `${where}: rps`);
    assert.equal(row.observedRatio, leaf.total / apex.total, `${where}: observed share`);
    const buckets = leaf.bucketCounts(productBounds(kind));
    for (const [q, actual] of [[0.5, row.stats.latencyMsP50], [0.95, row.stats.latencyMsP95], [0.99, row.stats.latencyMsP99]] as const) {
      assert.equal(actual, histogramQuantile(q, buckets), `${where}: p${q * 100} is histogram_quantile over the ${kind} layout of the truth`);
    }
  }
}

function rowsOf(stats: readonly SplitStats[], key: string): readonly StatRow[] {
  const entry = stats.find((candidate) => candidate.split.key === key);
  assert.ok(entry !== undefined, `${key} is in the stats`);
  return entry.rows;
}

describe('HTTPRoute splits: scrape path against the simulator ground truth', () => {
  const open: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const h of open) await h.close();
  });

  it('reads the route with the route layout, the TrafficSplit with Linkerd’s, both as the simulator does', () => {
    assert.deepEqual(productBounds('HTTPRoute'), latencyBucketsMsOf('HTTPRoute'));
    assert.deepEqual(productBounds('TrafficSplit'), latencyBucketsMsOf('TrafficSplit'));
  });

  it('equals the ground truth per backend for the HTTPRoute and the TrafficSplit, through a weight change', async () => {
    const h = await harness();
    open.push(h);
    assert.deepEqual(h.store.list().map((split) => `${split.key} ${split.kind} apex=${split.apex}`), [
      'shop/api TrafficSplit apex=api',
      `${ROUTE_KEY} HTTPRoute apex=web`,
    ]);
    await h.baseline();
    const mark = h.sim.truth();
    for (let i = 0; i < 6; i++) await h.step();
    const truth = h.sim.truthSince(mark);
    const stats = await h.stats(WINDOW_MS);
    assert.deepEqual(
      stats.flatMap((entry) => entry.rows.map((row) => `${entry.split.kind} ${row.namespace}/${row.name}/${row.leaf}=${row.weight}`)),
      ['TrafficSplit shop/api/api-v1=80', 'TrafficSplit shop/api/api-v2=20', 'HTTPRoute shop/web-route/web-v1=50', 'HTTPRoute shop/web-route/web-v2=50'],
    );
    for (const entry of stats) assertSplitMatchesTruth(entry, truth);

    // Nothing crosses over: each split's requests are exactly its own, though the frontend's pages
    // count the route's requests in response_total as well.
    const total = (key: string) => rowsOf(stats, key).reduce((sum, row) => sum + (row.stats === null ? 0 : row.stats.successCount + row.stats.failureCount), 0);
    assert.equal(total('shop/api'), truth.select({ kind: 'TrafficSplit' }).total, 'the TrafficSplit has none of the route’s requests');
    assert.equal(total(ROUTE_KEY), truth.select({ kind: 'HTTPRoute' }).total, 'the route has none of the TrafficSplit’s requests');
    assert.equal(total('shop/api') + total(ROUTE_KEY), truth.select().total, 'every request counted once');
    const edges = [...h.window.totals(WINDOW_MS).edges.keys()].sort();
    assert.deepEqual(edges, [
      'shop/api/api-v1',
      'shop/api/api-v2',
      'shop/web/web-v1|gateway.networking.k8s.io/web-route',
      'shop/web/web-v2|gateway.networking.k8s.io/web-route',
    ]);

    // The route's latency sum comes in seconds; it is the truth's to within float rounding.
    for (const leaf of ['web-v1', 'web-v2']) {
      const sumMs = h.window.totals(WINDOW_MS).edges.get(`shop/web/${leaf}|gateway.networking.k8s.io/web-route`)?.latencySumMs ?? Number.NaN;
      const expected = truth.select({ kind: 'HTTPRoute', leaf }).latencySumMs;
      assert.ok(Math.abs(sumMs - expected) <= 1e-6 * expected, `${leaf}: latency sum ${sumMs} vs ${expected}`);
    }
  });

  it('follows the route’s weights and keeps the split exact over a shorter window after the change', async () => {
    const h = await harness();
    open.push(h);
    await h.baseline();
    await h.step();
    await h.step();
    await h.step(); // the step to 50/50 at 25 s is inside this interval
    const mark = h.sim.truth();
    await h.step();
    await h.step();
    const truth = h.sim.truthSince(mark);
    const stats = await h.stats(20_000);
    for (const entry of stats) assertSplitMatchesTruth(entry, truth);
    const [v1, v2] = rowsOf(stats, ROUTE_KEY);
    assert.deepEqual([v1?.weightRatio, v2?.weightRatio], [0.5, 0.5]);
    // 50/50 for the whole window: the observed shares are near it (each request draws its backend).
    assert.ok(Math.abs((v1?.observedRatio ?? 0) - 0.5) < 0.1, `observed ${v1?.observedRatio}`);
  });
});
