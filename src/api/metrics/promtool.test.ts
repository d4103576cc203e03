// The whole /metrics page as a real scrape returns it — a simulated mesh scraped for a few cycles,
// one target broken, prom-client's runtime metrics included — must pass Prometheus' own linter
// with nothing to say, and its counters must be the traffic the simulator really generated.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createLinkerdAdapter } from '../../mesh/index.js';
import { TrafficWindow } from '../../window/index.js';
import { ScrapeEngine, splitApexFilter } from '../../ingest/index.js';
import { feedSimulatedSplits, parseScenarioText, Simulator } from '../../sim/index.js';
import { metricsHandler } from './handler.js';
import { createMetricsRegistry } from './registry.js';
import { PROMTOOL, promtoolCheck, samplesOf, select, testContext, valueOf } from '../../../test/helpers/metrics-state.js';

const SCENARIO = `
seed: 11
splits:
  - namespace: shop
    name: checkout
    apex: checkout
    port: 8080
    backends:
      - { service: checkout-v1, weight: 900m, pods: 2, successRate: 0.98, latency: { p50: 20ms, p99: 300ms } }
      - { service: checkout-v2, weight: 100m, pods: 1, successRate: 0.9, latency: { p50: 40ms, p99: 2s } }
  # An HTTPRoute split: its series share the families, told apart by kind, with the route's buckets.
  - namespace: shop
    name: cart
    kind: HTTPRoute
    apex: cart
    port: 8080
    backends:
      - { service: cart-v1, weight: 80, successRate: 0.97, latency: { p50: 30ms, p99: 600ms } }
      - { service: cart-v2, weight: 20, latency: { p50: 60ms, p99: 3s } }
clients:
  - namespace: shop
    workload: deployment/frontend
    pods: 3
    calls:
      - { split: shop/checkout, rps: 20 }
  - namespace: shop
    workload: deployment/basket
    proxy: stable-2.17
    calls:
      - { split: shop/cart, rps: 30 }
`;

describe('the served /metrics page', () => {
  let now = 1_700_000_000_000;
  const sim = new Simulator({ scenario: parseScenarioText(SCENARIO), now: () => now });
  const mesh = createLinkerdAdapter();
  const window = new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs, routeLatencyBucketsMs: mesh.routeLatencyBucketsMs });
  const t = testContext({ window });
  const unfeed = feedSimulatedSplits(sim, t.store);
  const filter = splitApexFilter(t.store);
  const engine = new ScrapeEngine({ targets: { targets: () => sim.targets() }, mesh, window, keepEdge: filter.keepEdge, now: () => now, scrape: { timeoutMs: 2000 } });
  const ctx = { ...t.ctx, engine };
  let server: Server;
  let url = '';

  before(async () => {
    await sim.start();
    const app = express();
    app.get('/metrics', metricsHandler(createMetricsRegistry(ctx)));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });
  after(async () => {
    await engine.stop();
    unfeed();
    filter.dispose();
    await sim.stop();
    server.closeAllConnections();
    server.close();
  });

  it('passes promtool check metrics with no problems, and counts exactly what the mesh served', async () => {
    assert.ok(existsSync(PROMTOOL), `${PROMTOOL} is missing: install the Debian package "prometheus" (this test is never skipped)`);
    await engine.runCycle(); // baseline
    const mark = sim.truth();
    for (let i = 0; i < 3; i++) {
      sim.advance(10_000);
      now += 10_000;
      if (i === 1) sim.setPodHealth(sim.targets()[0]?.pod ?? '', 'garbage');
      if (i === 2) sim.setPodHealth(sim.targets()[0]?.pod ?? '', 'ok');
      await engine.runCycle();
    }

    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();

    const { code, output } = await promtoolCheck(text);
    assert.equal(output.trim(), '', 'promtool reports no problems');
    assert.equal(code, 0);

    const samples = samplesOf(text);
    // The runtime metrics are there (under prom-client's own names) except the misnamed gauges.
    assert.ok(select(samples, 'process_cpu_seconds_total').length === 1);
    assert.ok(select(samples, 'nodejs_active_handles').length > 0);
    assert.deepEqual(select(samples, 'nodejs_active_handles_total'), []);
    assert.equal(valueOf(samples, 'splitstat_scrape_failures_total', { reason: 'parse' }), 1);

    const truth = sim.truthSince(mark);
    for (const leaf of ['checkout-v1', 'checkout-v2']) {
      const served = truth.select({ namespace: 'shop', split: 'checkout', leaf });
      const labels = { namespace: 'shop', trafficsplit: 'checkout', apex: 'checkout', backend: leaf };
      assert.ok(served.total > 0, `${leaf} got traffic`);
      assert.equal(valueOf(samples, 'trafficsplit_backend_responses_total', { ...labels, classification: 'success' }), served.success, `${leaf} successes`);
      assert.equal(valueOf(samples, 'trafficsplit_backend_responses_total', { ...labels, classification: 'failure' }), served.failure, `${leaf} failures`);
      assert.equal(valueOf(samples, 'trafficsplit_backend_response_latency_seconds_count', labels), served.total, `${leaf} histogram count`);
      assert.ok(Math.abs(valueOf(samples, 'trafficsplit_backend_response_latency_seconds_sum', labels) - served.latencySumMs / 1000) < 1e-6, `${leaf} histogram sum`);
    }
    for (const leaf of ['cart-v1', 'cart-v2']) {
      const served = truth.select({ namespace: 'shop', split: 'cart', leaf });
      const labels = { namespace: 'shop', trafficsplit: 'cart', apex: 'cart', backend: leaf, kind: 'HTTPRoute' };
      assert.ok(served.total > 0, `${leaf} got traffic`);
      assert.equal(valueOf(samples, 'trafficsplit_backend_responses_total', { ...labels, classification: 'success' }), served.success, `${leaf} successes`);
      assert.equal(valueOf(samples, 'trafficsplit_backend_responses_total', { ...labels, classification: 'failure' }), served.failure, `${leaf} failures`);
      assert.equal(valueOf(samples, 'trafficsplit_backend_response_latency_seconds_count', labels), served.total, `${leaf} histogram count`);
      // The route histogram's own bounds, in seconds.
      const bounds = select(samples, 'trafficsplit_backend_response_latency_seconds_bucket', labels).map((sample) => sample.labels.le);
      assert.deepEqual(bounds, ['0.025', '0.05', '0.1', '0.25', '0.5', '1', '10', '+Inf']);
    }
    assert.equal(valueOf(samples, 'trafficsplit_info', { trafficsplit: 'cart' }), 1);
    assert.equal(select(samples, 'trafficsplit_info', { trafficsplit: 'cart', kind: 'HTTPRoute', api_version: 'gateway.networking.k8s.io/v1' }).length, 1);
  });
});
