import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScrapeTarget } from '../../collect/index.js';
import { createLinkerdAdapter } from '../../mesh/index.js';
import { TrafficWindow } from '../../window/index.js';
import { ScrapeEngine } from '../../ingest/index.js';
import { createMetricsRegistry } from './registry.js';
import { SCRAPE_FAILURE_REASONS } from './scrape-metrics.js';
import { samplesOf, select, split, testContext, valueOf } from '../../../test/helpers/metrics-state.js';

/** A proxy page whose counters grow with n, with one line a proxy would never write. */
function proxyPage(n: number): string {
  const labels = 'direction="outbound",authority="web.default.svc.cluster.local:80",dst_namespace="default",dst_service="web-v1"';
  return [
    '# TYPE response_total counter',
    `response_total{${labels},classification="success",status_code="200"} ${10 * n}`,
    `response_total{${labels},classification="failure",status_code="500"} ${n}`,
    'this line is not a metric',
    '# TYPE response_latency_ms histogram',
    `response_latency_ms_bucket{${labels},le="10"} ${11 * n}`,
    `response_latency_ms_bucket{${labels},le="+Inf"} ${11 * n}`,
    `response_latency_ms_sum{${labels}} ${40 * n}`,
    `response_latency_ms_count{${labels}} ${11 * n}`,
    '',
  ].join('\n');
}

describe('scrape self metrics from a running engine', () => {
  let server: http.Server;
  let base = '';
  let n = 1;
  let clock = 1_000_000;
  before(async () => {
    server = http.createServer((request, response) => {
      if (request.url === '/ok') {
        // Time the cycle takes, as the engine's clock sees it.
        clock += 1500;
        response.end(proxyPage(n));
      } else if (request.url === '/error') {
        response.statusCode = 500;
        response.end('internal error');
      } else {
        response.setHeader('content-type', 'text/html');
        response.end('<html><body><h1>502 Bad Gateway</h1>\n<p>nginx</p>\n</body></html>\n');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('reports targets, cycle durations, failures by reason, cycles and malformed lines', async () => {
    const target = (path: string): ScrapeTarget => ({ url: `${base}${path}`, namespace: 'default', pod: path.slice(1) });
    let targets = [target('/ok'), target('/error'), target('/garbage')];
    const mesh = createLinkerdAdapter();
    const window = new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs });
    const engine = new ScrapeEngine({ targets: { targets: () => targets }, mesh, window, now: () => clock, scrape: { timeoutMs: 5000 } });
    const t = testContext({ engine, window });
    t.store.upsert(split({ namespace: 'default', name: 'web', apex: 'web', backends: [{ service: 'web-v1', weight: 1 }] }));
    const registry = createMetricsRegistry(t.ctx, { collectDefaultMetrics: false });

    // Before any cycle: every reason is there with 0, so the first failure is an increase.
    const start = samplesOf(await registry.metrics());
    assert.deepEqual(
      select(start, 'splitstat_scrape_failures_total').map((s) => `${s.labels.reason}=${s.value}`),
      SCRAPE_FAILURE_REASONS.map((reason) => `${reason}=0`),
    );
    assert.deepEqual(['timeout', 'http-status', 'body-too-large', 'network', 'aborted', 'parse', 'duplicate-series'], [...SCRAPE_FAILURE_REASONS]);
    assert.equal(valueOf(start, 'splitstat_scrape_cycles_total'), 0);
    assert.equal(valueOf(start, 'splitstat_scrape_targets', { state: 'up' }), 0);
    assert.equal(valueOf(start, 'splitstat_scrape_targets', { state: 'down' }), 0);
    assert.equal(valueOf(start, 'splitstat_scrape_duration_seconds_count'), 0);

    n = 1;
    await engine.runCycle();
    n = 3;
    await engine.runCycle();
    const two = samplesOf(await registry.metrics());
    assert.equal(valueOf(two, 'splitstat_scrape_cycles_total'), 2);
    assert.equal(valueOf(two, 'splitstat_scrape_targets', { state: 'up' }), 1);
    assert.equal(valueOf(two, 'splitstat_scrape_targets', { state: 'down' }), 2);
    assert.equal(valueOf(two, 'splitstat_scrape_failures_total', { reason: 'http-status' }), 2);
    assert.equal(valueOf(two, 'splitstat_scrape_failures_total', { reason: 'parse' }), 2);
    assert.equal(valueOf(two, 'splitstat_scrape_failures_total', { reason: 'timeout' }), 0);
    assert.equal(valueOf(two, 'splitstat_malformed_lines_total'), engine.malformedLinesTotal);
    assert.ok(engine.malformedLinesTotal >= 2, 'the bad line of both /ok scrapes counts');
    // Two cycles of 1.5 s each, in seconds.
    assert.equal(valueOf(two, 'splitstat_scrape_duration_seconds_count'), 2);
    assert.equal(valueOf(two, 'splitstat_scrape_duration_seconds_sum'), 3);
    assert.equal(valueOf(two, 'splitstat_scrape_duration_seconds_bucket', { le: '1' }), 0);
    assert.equal(valueOf(two, 'splitstat_scrape_duration_seconds_bucket', { le: '2.5' }), 2);
    // And the traffic between the two scrapes went all the way through to the exported counters.
    const backend = { trafficsplit: 'web', backend: 'web-v1' };
    assert.equal(valueOf(two, 'trafficsplit_backend_responses_total', { ...backend, classification: 'success' }), 20);
    assert.equal(valueOf(two, 'trafficsplit_backend_responses_total', { ...backend, classification: 'failure' }), 2);
    assert.equal(valueOf(two, 'trafficsplit_backend_response_latency_seconds_bucket', { ...backend, le: '0.01' }), 22);
    assert.equal(valueOf(two, 'trafficsplit_backend_response_latency_seconds_count', backend), 22);
    assert.equal(valueOf(two, 'trafficsplit_backend_response_latency_seconds_sum', backend), 0.08);

    // A target that leaves discovery stops being counted after the next cycle.
    targets = [target('/ok')];
    await engine.runCycle();
    const three = samplesOf(await registry.metrics());
    assert.equal(valueOf(three, 'splitstat_scrape_targets', { state: 'up' }), 1);
    assert.equal(valueOf(three, 'splitstat_scrape_targets', { state: 'down' }), 0);
    assert.equal(valueOf(three, 'splitstat_scrape_failures_total', { reason: 'parse' }), 2, 'failure counters never go down');
    await engine.stop();
  });
});
