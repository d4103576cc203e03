// A real Prometheus scraping simulated proxies of both Linkerd generations that call one split:
// 2.11 clients name the apex, 2.17 clients name the leaf and keep balancer gauges; the 2.17
// clients also call a weighted HTTPRoute, counted in the route families. The linkerd schema's
// queries must count every request once, whoever sent it: the raw counters they select equal the
// simulator's truth exactly, and the batched form equals the per-split reference.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeHttpRoute, normalizeTrafficSplit } from '../../src/splits/index.js';
import { PrometheusClient } from '../../src/promql/index.js';
import { classifyRouteStatus, linkerdBatchQueries, linkerdRouteBatchQueries, linkerdSplitQueries } from '../../src/mesh/index.js';
import { PrometheusStatSource } from '../../src/stats/index.js';
import { parseScenarioText } from '../../src/sim/index.js';
import type { GroundTruth } from '../../src/sim/index.js';
import { assertSameNumbers, linkerdPerSplitStats } from '../helpers/linkerd-per-split.js';
import { prometheusSkipReason } from '../helpers/prometheus.js';
import { startPrometheusMesh } from './harness.js';
import type { PrometheusMesh } from './harness.js';

const skip = await prometheusSkipReason();
const TRAFFIC_MS = 6_000;

const SCENARIO = `
seed: 7
splits:
  - name: backend-service
    apex: backend-service
    backends:
      - { service: backend-v1, weight: 90, pods: 2, successRate: 0.95, latency: { p50: 15ms, p99: 90ms } }
      - { service: backend-v2, weight: 10, pods: 1, successRate: 0.9, latency: { p50: 30ms, p99: 150ms } }
  - name: web-route
    kind: HTTPRoute
    apex: web-svc
    backends:
      - { service: web-v1, weight: 70, pods: 2, successRate: 0.97, latency: { p50: 40ms, p99: 300ms } }
      - { service: web-v2, weight: 30, successRate: 0.9, latency: { p50: 80ms, p99: 900ms } }
clients:
  - workload: deployment/old
    proxy: stable-2.11
    pods: 2
    calls:
      - { split: backend-service, rps: 20 }
  - workload: deployment/new
    proxy: stable-2.17
    pods: 2
    calls:
      - { split: backend-service, rps: 20 }
      - { split: web-route, rps: 25 }
`;

describe('Prometheus over mixed Linkerd generations', { skip, timeout: 60_000 }, () => {
  let mesh: PrometheusMesh;
  let truth: GroundTruth;

  before(async () => {
    mesh = await startPrometheusMesh({ scenario: parseScenarioText(SCENARIO) });
    truth = await mesh.recordTraffic(TRAFFIC_MS);
  });

  after(async () => {
    await mesh?.close();
  });

  const split = () => {
    const manifest = mesh.sim.splitManifests().find((candidate) => candidate.metadata.name === 'backend-service');
    const result = normalizeTrafficSplit(manifest);
    assert.ok(result.ok);
    return result.split;
  };
  const route = () => {
    const manifest = mesh.sim.splitManifests().find((candidate) => candidate.metadata.name === 'web-route');
    const result = normalizeHttpRoute(manifest);
    assert.ok(result.ok && result.splits[0] !== undefined);
    return result.splits[0];
  };

  /**
   * Asserts that a counts query, read as raw counters (`last_over_time` for `increase`: traffic
   * is frozen and started after the first scrape), holds exactly the truth of each leaf.
   */
  async function assertRawCountsEqualTruth(counts: string, split: string, leaves: readonly string[], keyOf: (metric: Readonly<Record<string, string>>) => string): Promise<void> {
    const measured = new Map<string, number>();
    for (const { metric, value } of await mesh.prometheus.query(counts.replaceAll('increase(', 'last_over_time('))) {
      measured.set(keyOf(metric), (measured.get(keyOf(metric)) ?? 0) + value);
    }
    for (const leaf of leaves) {
      const outcomes = truth.select({ namespace: 'default', split, leaf });
      assert.ok(outcomes.success > 50, `${leaf} had traffic`);
      assert.equal(measured.get(`${leaf}/success`) ?? 0, outcomes.success, `${leaf} successes`);
      assert.equal(measured.get(`${leaf}/failure`) ?? 0, outcomes.failure, `${leaf} failures`);
    }
  }

  it('selects every request of both generations exactly once: the raw counters equal the truth', async () => {
    const { counts } = linkerdBatchQueries([split()], { range: '1m' });
    await assertRawCountsEqualTruth(counts, 'backend-service', ['backend-v1', 'backend-v2'], (metric) => `${metric.dst_service}/${metric.classification}`);
  });

  it('selects every request through the HTTPRoute exactly once, from the route families: the raw counters equal the truth', async () => {
    const { counts } = linkerdRouteBatchQueries([route()], { range: '1m' });
    await assertRawCountsEqualTruth(counts, 'web-route', ['web-v1', 'web-v2'], (metric) => `${metric.backend_name}/${classifyRouteStatus(metric)}`);
  });

  it("Linkerd viz's own query sees only the 2.11 clients' requests", async () => {
    const query = linkerdSplitQueries(split(), { range: '1m' }).counts.replaceAll('increase(', 'last_over_time(');
    const seen = (await mesh.prometheus.query(query)).reduce((sum, sample) => sum + sample.value, 0);
    const old = truth.select({ namespace: 'default', split: 'backend-service', clientWorkload: 'deployment/old' });
    assert.equal(seen, old.success + old.failure);
    assert.ok(seen < truth.select({ namespace: 'default', split: 'backend-service' }).total);
  });

  it('answers batched exactly what the per-split reference answers, quantiles included', async () => {
    assert.ok(mesh.lastTraffic !== undefined);
    const timeMs = mesh.lastTraffic.stopMs - 1500;
    const client = new PrometheusClient({ url: mesh.prometheus.url });
    const query = { splits: [split(), route()], window: { text: '1m', ms: 60_000 } };
    const batched = await new PrometheusStatSource({ client, now: () => timeMs }).stats(query);
    assertSameNumbers(batched, await linkerdPerSplitStats(client, query, { timeMs, totals: true, queries: 'generations' }));
    const p95 = batched.flatMap((entry) => entry.rows.map((row) => row.stats?.latencyMsP95 ?? 0));
    assert.equal(p95.length, 4);
    assert.ok(p95.every((value) => value > 0), `real quantiles compared: ${p95.join(', ')}`);
  });
});
