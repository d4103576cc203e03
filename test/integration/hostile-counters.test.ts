// Targets whose counters are no counters, beside a good one, over real HTTP: a counter falling
// below zero, infinite or overflowing values, the same series twice in a page, label churn. Each costs only
// its own numbers: the good split stays exact, /metrics keeps answering (and promtool-valid),
// and what was refused is counted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScrapeTarget } from '../../src/collect/index.js';
import { createLinkerdAdapter } from '../../src/mesh/index.js';
import { TrafficWindow } from '../../src/window/index.js';
import { ScrapeEngine, splitApexFilter } from '../../src/ingest/index.js';
import { feedSimulatedSplits, parseScenarioText, Simulator } from '../../src/sim/index.js';
import { createMetricsRegistry } from '../../src/api/index.js';
import { promtoolCheck, samplesOf, testContext, valueOf } from '../helpers/metrics-state.js';

const SCENARIO = `
seed: 3
splits:
  - namespace: shop
    name: checkout
    apex: checkout
    backends:
      - { service: checkout-v1, weight: 90 }
      - { service: checkout-v2, weight: 10 }
clients:
  - namespace: shop
    workload: deployment/frontend
    calls:
      - { split: shop/checkout, rps: 20 }
`;

/** A 2.11-style outbound response line of the same split, with a value of the page's choosing. */
function line(value: string, leaf = 'checkout-v1'): string {
  return `response_total{direction="outbound",authority="checkout.shop.svc.cluster.local:8080",dst_namespace="shop",dst_service="${leaf}",classification="success",tls="true"} ${value}`;
}

/** Page n of each hostile target. */
const HOSTILE: Readonly<Record<string, (n: number) => string>> = {
  // A counter that keeps falling below zero.
  falling: (n) => line(String(-5 - n)),
  // Finite values whose sum would overflow.
  overflow: (n) => line(n % 2 === 0 ? '1e308' : '1.7e308'),
  // Infinities.
  infinite: (n) => line(n % 2 === 0 ? '+Inf' : '-Inf'),
  // The same series twice, 100 then 50, on every page.
  duplicate: () => `${line('100')}\n${line('50')}`,
  // Label churn: 120 new series on every page (a new dst_pod per request), to a Service no split has.
  churn: (n) =>
    Array.from(
      { length: 120 },
      (_, i) => `response_total{direction="outbound",authority="other.shop.svc.cluster.local:8080",dst_namespace="shop",dst_service="other",dst_pod="other-${n}-${i}",classification="success",tls="true"} 1`,
    ).join('\n'),
};
/** Series kept per target here: above the good proxy's page, reached by churn within a few pages. */
const MAX_SERIES = 300;

describe('hostile counters beside a good target', () => {
  let now = 1_700_000_000_000;
  const sim = new Simulator({ scenario: parseScenarioText(SCENARIO), now: () => now });
  const mesh = createLinkerdAdapter();
  const window = new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs });
  const t = testContext({ window });
  const unfeed = feedSimulatedSplits(sim, t.store);
  const filter = splitApexFilter(t.store);
  let page = 0;
  const server: Server = createServer((request, response) => {
    const name = (request.url ?? '').slice(1);
    response.end(`${HOSTILE[name]?.(page) ?? ''}\n`);
  });
  let hostileTargets: ScrapeTarget[] = [];
  const engine = new ScrapeEngine({
    targets: { targets: () => [...sim.targets(), ...hostileTargets] },
    mesh,
    window,
    keepEdge: filter.keepEdge,
    now: () => now,
    scrape: { timeoutMs: 2000 },
    maxSeriesPerTarget: MAX_SERIES,
  });
  const registry = createMetricsRegistry({ ...t.ctx, engine }, { collectDefaultMetrics: false });

  before(async () => {
    await sim.start();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    hostileTargets = Object.keys(HOSTILE).map((name) => ({ url: `http://127.0.0.1:${port}/${name}`, namespace: 'shop', pod: name }));
  });
  after(async () => {
    await engine.stop();
    unfeed();
    filter.dispose();
    await sim.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('keeps the good numbers exact, /metrics answering and valid, and counts what it refused', async () => {
    await engine.runCycle(); // baseline
    const mark = sim.truth();
    for (page = 1; page <= 4; page++) {
      sim.advance(10_000);
      now += 10_000;
      await engine.runCycle();
    }
    const text = await registry.metrics();
    const { code, output } = await promtoolCheck(text);
    assert.equal(output.trim(), '', 'promtool reports no problems');
    assert.equal(code, 0);

    const samples = samplesOf(text);
    const truth = sim.truthSince(mark);
    for (const leaf of ['checkout-v1', 'checkout-v2']) {
      const served = truth.select({ namespace: 'shop', split: 'checkout', leaf });
      assert.ok(served.total > 0);
      const labels = { namespace: 'shop', trafficsplit: 'checkout', backend: leaf, classification: 'success' };
      assert.equal(valueOf(samples, 'trafficsplit_backend_responses_total', labels), served.success, `${leaf}: only the good target's requests`);
    }
    // falling: 4 pages + its baseline; infinite and overflow (beyond 2^53): the same.
    assert.equal(valueOf(samples, 'splitstat_rejected_samples_total'), 15);
    assert.equal(valueOf(samples, 'splitstat_scrape_failures_total', { reason: 'duplicate-series' }), 5);
    // Churn: 120 kept at the baseline and on page 1, 60 more on page 2 (60 dropped), then every new one dropped.
    assert.equal(valueOf(samples, 'splitstat_dropped_series_total'), 60 + 120 * 2);
    const stats = await t.ctx.source.stats({ splits: t.store.list(), window: { text: '1m', ms: 60_000 } });
    for (const row of stats.flatMap((entry) => entry.rows)) assert.ok(row.stats === null || Number.isFinite(row.stats.rps), `${row.leaf} rps is finite`);
  });
});
