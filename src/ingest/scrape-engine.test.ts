import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLinkerdAdapter } from '../mesh/index.js';
import { TrafficWindow } from '../window/index.js';
import { ScrapeEngine } from './scrape-engine.js';

// Hand-written proxy pages: one apex reached on two ports, two backend pods, both label orders,
// plus traffic that must not count (inbound, another authority, another namespace's leaf).
function page(n: number): string {
  return [
    '# TYPE response_total counter',
    `response_total{direction="outbound",authority="web.prod.svc.cluster.local:80",dst_namespace="prod",dst_service="web-v1",dst_pod="web-v1-a",classification="success",status_code="200"} ${10 * n}`,
    `response_total{authority="web.prod.svc.cluster.local:8080",direction="outbound",dst_namespace="prod",dst_service="web-v1",dst_pod="web-v1-b",classification="success",status_code="200"} ${5 * n}`,
    `response_total{classification="failure",status_code="500",dst_pod="web-v2-a",dst_service="web-v2",dst_namespace="prod",authority="web.prod.svc.cluster.local:80",direction="outbound"} ${2 * n}`,
    `response_total{direction="inbound",authority="web.prod.svc.cluster.local:80",classification="success",status_code="200"} ${100 * n}`,
    `response_total{direction="outbound",authority="api.prod.svc.cluster.local:80",dst_namespace="prod",dst_service="api",classification="success"} ${50 * n}`,
    `response_total{direction="outbound",authority="web.prod.svc.cluster.local:80",dst_namespace="staging",dst_service="web-v1",classification="success"} ${70 * n}`,
    '# TYPE response_latency_ms histogram',
    `response_latency_ms_bucket{direction="outbound",authority="web.prod.svc.cluster.local:80",dst_namespace="prod",dst_service="web-v1",le="10"} ${10 * n}`,
    `response_latency_ms_bucket{direction="outbound",authority="web.prod.svc.cluster.local:80",dst_namespace="prod",dst_service="web-v1",le="+Inf"} ${10 * n}`,
    `response_latency_ms_bucket{direction="outbound",authority="web.prod.svc.cluster.local:8080",dst_namespace="prod",dst_service="web-v1",le="10"} 0`,
    `response_latency_ms_bucket{direction="outbound",authority="web.prod.svc.cluster.local:8080",dst_namespace="prod",dst_service="web-v1",le="100"} ${5 * n}`,
    `response_latency_ms_bucket{direction="outbound",authority="web.prod.svc.cluster.local:8080",dst_namespace="prod",dst_service="web-v1",le="+Inf"} ${5 * n}`,
    '',
  ].join('\n');
}

describe('ScrapeEngine', () => {
  let server: http.Server;
  let url = '';
  let n = 1;
  before(async () => {
    server = http.createServer((_request, response) => response.end(page(n)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('sums an apex over ports and backend pods and keeps only split traffic', async () => {
    let now = 0;
    const mesh = createLinkerdAdapter();
    const window = new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs });
    const engine = new ScrapeEngine({
      targets: { targets: () => [{ url, namespace: 'prod', pod: 'client-1', workload: { kind: 'deployment', name: 'client' } }] },
      mesh,
      window,
      keepEdge: (edge) => edge.apex === 'web',
      now: () => now,
    });
    n = 1;
    await engine.runCycle();
    n = 4;
    now = 30_000;
    const report = await engine.runCycle();
    assert.equal(report.up, 1);
    const totals = window.totals(30_000);
    assert.deepEqual([...totals.edges.keys()].sort(), ['prod/web/web-v1', 'prod/web/web-v2']);
    const v1 = totals.edges.get('prod/web/web-v1');
    assert.equal(v1?.success, 45); // (10 + 5) × 3
    assert.equal(v1?.failure, 0);
    assert.equal(totals.edges.get('prod/web/web-v2')?.failure, 6);
    const index = (le: number) => mesh.latencyBucketsMs.indexOf(le);
    assert.equal(v1?.latency[index(10)], 30);
    assert.equal(v1?.latency[index(100)], 15);
    assert.equal(v1?.latency[index(Number.POSITIVE_INFINITY)], 45);
    assert.equal(totals.coveredMs, 30_000);
  });

  it('reports unreachable targets and keeps going', async () => {
    const mesh = createLinkerdAdapter();
    const window = new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs });
    const logged: string[] = [];
    const engine = new ScrapeEngine({
      targets: { targets: () => [{ url: 'http://127.0.0.1:1/metrics', namespace: 'prod', pod: 'gone' }, { url, namespace: 'prod', pod: 'ok' }] },
      mesh,
      window,
      log: (line) => logged.push(line),
    });
    const report = await engine.runCycle();
    assert.equal(report.up, 1);
    assert.equal(report.failures.get('network'), 1);
    assert.equal(engine.failuresTotal.get('network'), 1);
    assert.deepEqual(engine.targetStatuses().map((status) => [status.target.pod, status.up]).sort(), [['gone', false], ['ok', true]]);
    assert.equal(logged.length, 1);
    assert.match(logged[0] ?? '', /scrape http:\/\/127\.0\.0\.1:1\/metrics \(prod\/gone\) failed: network/);
    await engine.runCycle();
    assert.equal(logged.length, 1, 'the same failure is logged once, not every cycle');
  });

  it('counts and reports latency histograms whose buckets fall as le grows, once per page', async () => {
    const disordered = (n: number) =>
      [
        `response_latency_ms_bucket{direction="outbound",authority="web.prod.svc.cluster.local:80",dst_namespace="prod",dst_service="web-v1",le="10"} ${10 * n}`,
        `response_latency_ms_bucket{direction="outbound",authority="web.prod.svc.cluster.local:80",dst_namespace="prod",dst_service="web-v1",le="100"} ${2 * n}`,
        `response_latency_ms_bucket{direction="outbound",authority="web.prod.svc.cluster.local:80",dst_namespace="prod",dst_service="web-v1",le="+Inf"} ${10 * n}`,
        // Out of order too, but no split's traffic: not looked at.
        `response_latency_ms_bucket{direction="inbound",le="10"} ${5 * n}`,
        `response_latency_ms_bucket{direction="inbound",le="+Inf"} 0`,
        '',
      ].join('\n');
    let page = 1;
    const own = http.createServer((_request, response) => response.end(disordered(page)));
    await new Promise<void>((resolve) => own.listen(0, '127.0.0.1', resolve));
    try {
      const mesh = createLinkerdAdapter();
      const logged: [string, string | undefined][] = [];
      const engine = new ScrapeEngine({
        targets: { targets: () => [{ url: `http://127.0.0.1:${(own.address() as AddressInfo).port}/metrics`, namespace: 'prod', pod: 'client-1' }] },
        mesh,
        window: new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs }),
        log: (line, level) => logged.push([line, level]),
      });
      const first = await engine.runCycle();
      page = 2;
      const second = await engine.runCycle();
      assert.deepEqual([first.nonMonotonicHistograms, second.nonMonotonicHistograms, engine.nonMonotonicHistogramsTotal], [1, 1, 2]);
      assert.equal(second.up, 1, 'still a usable page: its numbers are repaired as Prometheus repairs them');
      assert.equal(logged.length, 1, 'said when it starts, not every cycle');
      assert.equal(logged[0]?.[1], 'warn');
      assert.match(logged[0]?.[0] ?? '', /\(prod\/client-1\): 1 latency histograms have buckets that fall as le grows/);
    } finally {
      own.close();
    }
  });

  it('runs on an interval until stopped', async () => {
    const mesh = createLinkerdAdapter();
    const engine = new ScrapeEngine({ targets: { targets: () => [] }, mesh, window: new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs }) });
    const cycles: number[] = [];
    engine.onCycle(() => cycles.push(engine.cycles));
    engine.start(20);
    const deadline = Date.now() + 5_000;
    while (cycles.length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await engine.stop();
    const afterStop = engine.cycles;
    await new Promise((resolve) => setTimeout(resolve, 60));
    assert.ok(afterStop >= 3);
    assert.equal(engine.cycles, afterStop, 'no cycle after stop');
  });

  it('says when cycles take longer than the interval, counts them, and says when they fit again', async () => {
    let delayMs = 120;
    const slow = http.createServer((_request, response) => setTimeout(() => response.end(page(n)), delayMs));
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    try {
      const mesh = createLinkerdAdapter();
      const logged: string[] = [];
      const target = { url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/metrics`, namespace: 'prod', pod: 'slow' };
      const engine = new ScrapeEngine({
        targets: { targets: () => [target] },
        mesh,
        window: new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs }),
        log: (line, level) => logged.push(`${level ?? 'info'}: ${line}`),
      });
      const waitFor = async (check: () => boolean): Promise<void> => {
        const deadline = Date.now() + 5_000;
        while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      };
      engine.start(50);
      await waitFor(() => engine.overrunsTotal >= 3);
      delayMs = 0;
      await waitFor(() => logged.some((line) => line.includes('fit the')));
      await engine.stop();
      assert.ok(engine.overrunsTotal >= 3, `${engine.overrunsTotal} overruns`);
      const overrun = logged.filter((line) => line.includes('longer than the'));
      assert.equal(overrun.length, 1, `said once when it starts: ${logged.join('\n')}`);
      assert.match(overrun[0] ?? '', /^warn: scrape cycle of 1 targets took \d+\.\d s, longer than the 0\.1 s interval/);
      assert.equal(logged.filter((line) => line.includes('fit the 0.1 s interval again')).length, 1);
    } finally {
      slow.closeAllConnections();
      slow.close();
    }
  });
});

// Linkerd 2.13+ pages: `authority` names the leaf; the balancer gauges name the Service each
// route was called through (parent) and the leaf behind it (backend), as in the real capture.
function balancer(parent: string, leaf: string): string {
  const refs = (scope: string, name: string) => `${scope}_group="core",${scope}_kind="Service",${scope}_namespace="prod",${scope}_name="${name}",${scope}_port="80",${scope}_section_name=""`;
  return `outbound_http_balancer_endpoints{endpoint_state="ready",${refs('parent', parent)},${refs('backend', leaf)}} 1`;
}

function leafPage(count: number, balancers: readonly string[]): string {
  return [
    `response_total{direction="outbound",authority="web-v2.prod.svc.cluster.local",dst_namespace="prod",dst_service="web-v2",classification="success",grpc_status="",error=""} ${count}`,
    ...balancers,
    '',
  ].join('\n');
}

describe('ScrapeEngine on Linkerd 2.13+ pages', () => {
  let server: http.Server;
  let base = '';
  let count = 1;
  const pages: Record<string, readonly string[]> = {
    // Calls web (whose split lists web-v2) and nothing else.
    '/through-web': [balancer('web', 'web-v1'), balancer('web', 'web-v2')],
    // Calls web-v2 directly only: its balancer's parent is the leaf itself.
    '/direct': [balancer('web-v2', 'web-v2')],
    // A page whose balancers do not mention web-v2 (or an older 2.13 without the gauge for it).
    '/unsaid': [balancer('api', 'api')],
  };
  before(async () => {
    server = http.createServer((request, response) => response.end(leafPage(count, pages[request.url ?? ''] ?? [])));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  /** Successes per split apex for web-v2, after 10 new requests from the client at `path`. */
  async function countsFrom(path: string): Promise<Record<string, number>> {
    let now = 0;
    const mesh = createLinkerdAdapter();
    const window = new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs });
    const edges = ['web', 'shadow'].map((apex) => ({ apexNamespace: 'prod', apex, leaf: 'web-v2' }));
    const engine = new ScrapeEngine({
      targets: { targets: () => [{ url: `${base}${path}`, namespace: 'prod', pod: 'client-1' }] },
      mesh,
      window,
      edgesOfLeaf: (namespace, leaf) => (namespace === 'prod' && leaf === 'web-v2' ? edges : []),
      now: () => now,
    });
    count = 5;
    await engine.runCycle();
    count = 15;
    now = 30_000;
    await engine.runCycle();
    assert.deepEqual(Object.fromEntries(engine.targetsByGeneration()), { 'linkerd-2.12': 0, 'linkerd-2.13': 1, unknown: 0 });
    return Object.fromEntries([...window.totals(60_000).edges.values()].map((totals) => [totals.edge.apex, totals.success]));
  }

  it('credits a leaf only to the splits whose apex this client calls', async () => {
    assert.deepEqual(await countsFrom('/through-web'), { web: 10 });
  });

  it('credits no split with calls sent straight to the leaf', async () => {
    assert.deepEqual(await countsFrom('/direct'), {});
  });

  it('credits every split listing the leaf when the page does not say which apex was called', async () => {
    assert.deepEqual(await countsFrom('/unsaid'), { web: 10, shadow: 10 });
  });
});
