// The rendered page must look like a real proxy's: valid exposition text, Linkerd's label sets
// and buckets, and the unrelated series consumers have to filter out.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseScenarioText } from './scenario.js';
import { renderLinkerdProxyMetrics } from './linkerd-exposition.js';
import { LATENCY_BUCKETS_MS, ProxyCounters } from './proxy-counters.js';
import type { EndpointPod, Route } from './proxy-counters.js';
import { Simulator } from './simulator.js';
import { demoOnOlderProxies, oneSplitScenario, parseSamples } from '../../test/helpers/sim.js';

function demoPages(): { sim: Simulator; pages: Map<string, string> } {
  const sim = new Simulator({ scenario: demoOnOlderProxies(), now: () => 1_700_000_000_000 });
  sim.advance(65_000);
  return { sim, pages: new Map(sim.clientPods().map((pod) => [pod.pod, sim.metricsText(pod.pod)])) };
}

/** The metric family a sample line belongs to, given the families declared so far. */
function familyOf(name: string, declared: ReadonlyMap<string, string>): string | undefined {
  if (declared.has(name)) return name;
  const base = name.replace(/_(bucket|count|sum)$/, '');
  return declared.get(base) === 'histogram' ? base : undefined;
}

describe('Linkerd proxy exposition', () => {
  it('declares every family once, with HELP and TYPE before its samples, samples contiguous', () => {
    for (const [pod, page] of demoPages().pages) {
      assert.ok(page.endsWith('\n'), pod);
      const declared = new Map<string, string>();
      const finished = new Set<string>();
      let current: string | undefined;
      let help: string | undefined;
      for (const line of page.split('\n').slice(0, -1)) {
        const helpMatch = /^# HELP (\S+) .+$/.exec(line);
        const typeMatch = /^# TYPE (\S+) (counter|gauge|histogram)$/.exec(line);
        if (helpMatch !== null) {
          help = helpMatch[1];
          continue;
        }
        if (typeMatch !== null) {
          const [, name = '', type = ''] = typeMatch;
          assert.equal(help, name, `${pod}: TYPE ${name} must follow its HELP`);
          assert.ok(!declared.has(name), `${pod}: ${name} declared twice`);
          if (current !== undefined) finished.add(current);
          declared.set(name, type);
          current = name;
          continue;
        }
        const [sample] = parseSamples(line);
        const family = familyOf(sample?.name ?? '', declared);
        assert.ok(family !== undefined, `${pod}: sample before its TYPE: ${line}`);
        assert.equal(family, current, `${pod}: ${family} samples are not contiguous`);
        assert.ok(!finished.has(family));
      }
      for (const name of ['request_total', 'response_total', 'response_latency_ms', 'tcp_open_total', 'tcp_read_bytes_total', 'process_cpu_seconds_total']) {
        assert.ok(declared.has(name), `${pod}: ${name}`);
      }
    }
  });

  it('writes Linkerd histograms: its buckets in order, cumulative, +Inf = _count, no classification', () => {
    const { pages } = demoPages();
    const expectedLe = [...LATENCY_BUCKETS_MS.map(String), '+Inf'];
    for (const [pod, page] of pages) {
      const samples = parseSamples(page).filter((s) => s.name.startsWith('response_latency_ms'));
      const series = new Map<string, { le: string[]; counts: number[]; count?: number }>();
      for (const sample of samples) {
        assert.equal(sample.labels.classification, undefined, 'latency has no classification label');
        assert.ok(sample.labels.status_code !== undefined);
        const { le, ...rest } = sample.labels;
        const key = JSON.stringify(rest);
        const entry = series.get(key) ?? { le: [], counts: [] };
        series.set(key, entry);
        if (sample.name === 'response_latency_ms_bucket') {
          entry.le.push(le ?? '');
          entry.counts.push(sample.value);
        } else if (sample.name === 'response_latency_ms_count') entry.count = sample.value;
      }
      assert.ok(series.size > 0, pod);
      for (const [key, { le, counts, count }] of series) {
        assert.deepEqual(le, expectedLe, key);
        for (let i = 1; i < counts.length; i++) assert.ok((counts[i] ?? 0) >= (counts[i - 1] ?? 0), `${key} is cumulative`);
        assert.equal(counts.at(-1), count, key);
      }
    }
  });

  it('labels outbound split traffic like a real proxy, in two label orders', () => {
    const { sim, pages } = demoPages();
    const styles = new Map(sim.clientPods().map((pod) => [pod.pod, pod.labelStyle]));
    const firstLabels = new Map<string, string>();
    for (const [pod, page] of pages) {
      const line = page.split('\n').find((candidate) => candidate.startsWith('response_total{') && candidate.includes('.svc.cluster.local:8080"'));
      assert.ok(line !== undefined, pod);
      firstLabels.set(styles.get(pod) ?? '', /^response_total\{(\w+)=/.exec(line)?.[1] ?? '');
      const [sample] = parseSamples(line);
      const labels = sample?.labels ?? {};
      for (const name of ['direction', 'authority', 'dst_namespace', 'dst_service', 'dst_pod', 'dst_deployment', 'dst_pod_template_hash', 'dst_serviceaccount', 'tls', 'server_id', 'status_code', 'classification']) {
        assert.ok(labels[name] !== undefined, `${pod}: ${name} in ${line}`);
      }
      assert.equal(labels.direction, 'outbound');
      assert.equal(labels.tls, 'true');
      assert.match(labels.authority ?? '', /^(backend-service\.default|server\.link|checkout\.shop)\.svc\.cluster\.local:8080$/);
      assert.ok(labels.dst_pod?.startsWith(`${labels.dst_deployment}-${labels.dst_pod_template_hash}-`));
      assert.ok(sim.backendPods(labels.dst_namespace ?? '', labels.dst_service ?? '').includes(labels.dst_pod ?? ''));
      assert.equal(labels.server_id, `${labels.dst_serviceaccount}.${labels.dst_namespace}.serviceaccount.identity.linkerd.cluster.local`);
      if (styles.get(pod) === 'modern') assert.equal(labels.target_addr, `${labels.target_ip}:${labels.target_port}`);
      else assert.equal(labels.target_addr, undefined);
    }
    assert.deepEqual(Object.fromEntries(firstLabels), { modern: 'direction', legacy: 'authority' });
  });

  it('writes 2.17 pages in the label layout of the real capture: the leaf in authority, its balancer with the apex as parent', () => {
    const real = (file: string) => parseSamples(readFileSync(new URL(`../../test/fixtures/mesh/linkerd/${file}`, import.meta.url), 'utf8'));
    const realResponses = real('linkerd-enterprise-recent_playground_response_total_outbound.prom');
    const [realBalancer] = real('linkerd-enterprise-recent_playground_balancer_endpoints_failfast.prom');
    const sim = new Simulator({
      scenario: parseScenarioText(
        `splits:
  - { name: web, apex: web, port: 80, backends: [{ service: web-v1, weight: 1, pods: 2 }, { service: web-v2, weight: 1 }] }
clients:
  - { workload: deployment/client, proxy: stable-2.17, calls: [{ split: web, rps: 50 }] }`,
        'recent.yaml',
      ),
      now: () => 0,
    });
    sim.advance(10_000);
    const samples = parseSamples(sim.metricsText(sim.clientPods()[0]?.pod ?? ''));
    const outbound = samples.find((sample) => sample.name === 'response_total' && sample.labels.dst_service === 'web-v1');
    const inbound = samples.find((sample) => sample.name === 'response_total' && sample.labels.direction === 'inbound');
    const balancers = samples.filter((sample) => sample.name === 'outbound_http_balancer_endpoints');
    const keys = (sample: { labels: Readonly<Record<string, string>> } | undefined) => Object.keys(sample?.labels ?? {});
    assert.deepEqual(keys(outbound), keys(realResponses.find((sample) => sample.labels.direction === 'outbound')));
    assert.deepEqual(keys(inbound), keys(realResponses.find((sample) => sample.labels.direction === 'inbound')));
    assert.deepEqual(keys(balancers[0]), keys(realBalancer));
    assert.equal(outbound?.labels.authority, 'web-v1.default.svc.cluster.local', 'the leaf, :80 dropped');
    assert.deepEqual(
      balancers.map((sample) => [sample.labels.endpoint_state, sample.labels.parent_name, sample.labels.backend_name, sample.labels.parent_port, sample.value]),
      [
        ['ready', 'web', 'web-v1', '80', 2],
        ['pending', 'web', 'web-v1', '80', 0],
        ['ready', 'web', 'web-v2', '80', 1],
        ['pending', 'web', 'web-v2', '80', 0],
      ],
    );
  });

  it('splits one backend into one series per backend pod', () => {
    const sim = new Simulator({ scenario: oneSplitScenario({ backends: '      - { service: web-v1, weight: 1, pods: 4 }' }), now: () => 0 });
    sim.advance(10_000);
    const pod = sim.clientPods()[0]?.pod ?? '';
    const series = parseSamples(sim.metricsText(pod)).filter((s) => s.name === 'response_total' && s.labels.dst_service === 'web-v1');
    assert.deepEqual(new Set(series.map((s) => s.labels.dst_pod)), new Set(sim.backendPods('default', 'web-v1')));
    assert.equal(
      series.reduce((sum, s) => sum + s.value, 0),
      1_000,
    );
  });

  it('carries the unrelated series a consumer must filter out', () => {
    const { pages } = demoPages();
    const all = [...pages.values()].flatMap((page) => parseSamples(page));
    const has = (predicate: (labels: Readonly<Record<string, string>>, name: string) => boolean) => all.some((s) => predicate(s.labels, s.name));
    assert.ok(has((l, n) => n === 'response_total' && l.direction === 'inbound'), 'inbound responses');
    assert.ok(has((l, n) => n === 'response_total' && l.authority === 'linkerd-destination.linkerd.svc.cluster.local:8086'), 'control-plane traffic');
    assert.ok(has((l, n) => n === 'request_total' && l.direction === 'outbound' && l.authority === undefined), 'authority-less requests');
    assert.ok(has((l, n) => n === 'tcp_open_total' && l.peer === 'dst' && l.dst_deployment === 'server-v1'), 'tcp series with dst labels');
    assert.ok(has((_, n) => n === 'process_start_time_seconds'));
    assert.ok(has((_, n) => n === 'inbound_http_authz_allow_total'));
  });

  it('marks gRPC outcomes the way each proxy generation does', () => {
    const sim = new Simulator({
      scenario: oneSplitScenario({ protocol: 'grpc', pods: 2, backends: '      - { service: web-v1, weight: 1, successRate: 0.5 }' }),
      now: () => 0,
    });
    sim.advance(10_000);
    for (const pod of sim.clientPods()) {
      const responses = parseSamples(sim.metricsText(pod.pod)).filter((s) => s.name === 'response_total' && s.labels.dst_service === 'web-v1');
      for (const sample of responses) {
        assert.equal(sample.labels.status_code, '200', 'gRPC errors travel in a 200 response');
        const expected = pod.labelStyle === 'legacy' ? undefined : sample.labels.classification === 'success' ? '0' : '14';
        assert.equal(sample.labels.grpc_status, expected, `${pod.labelStyle} ${sample.labels.classification}`);
      }
      assert.deepEqual(new Set(responses.map((s) => s.labels.classification)), new Set(['success', 'failure']));
    }
  });

  it('is read by a test parser that rejects malformed lines', () => {
    assert.deepEqual(parseSamples('# HELP x y\nx 1\ny{a="1",b="q\\"uote"} 2.5\nz_bucket{le="+Inf"} 3\n'), [
      { name: 'x', labels: {}, value: 1 },
      { name: 'y', labels: { a: '1', b: 'q"uote' }, value: 2.5 },
      { name: 'z_bucket', labels: { le: '+Inf' }, value: 3 },
    ]);
    assert.throws(() => parseSamples('x{a="1" 2\n'), /unreadable/);
    assert.throws(() => parseSamples('x{a=1} 2\n'), /unreadable/);
  });

  it('escapes label values', () => {
    const endpoint: EndpointPod = {
      ip: '10.0.0.1',
      port: 80,
      namespace: 'ns',
      service: 'we"ird\\svc',
      deployment: 'd',
      pod: 'p\nq',
      templateHash: 'h',
      serviceAccount: 'sa',
      serverId: 'id',
      controlPlaneNamespace: 'linkerd',
    };
    const route: Route = { kind: 'outbound', authority: 'a:80', endpoint };
    const counters = new ProxyCounters(0);
    counters.http(route, false).record(true, 7);
    const page = renderLinkerdProxyMetrics({ style: 'legacy', counters, nowSeconds: 10 });
    assert.ok(page.includes('dst_service="we\\"ird\\\\svc"'));
    assert.ok(page.includes('dst_pod="p\\nq"'));
    const request = parseSamples(page).find((s) => s.name === 'request_total');
    assert.equal(request?.labels.dst_service, 'we"ird\\svc');
    assert.equal(request?.labels.dst_pod, 'p\nq');
  });
});
