import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseExposition } from '../../collect/index.js';
import type { Sample } from '../../collect/index.js';
import { createAutoAdapter } from '../auto-adapter.js';
import { createIstioAdapter, isIstioFailure, ISTIO_LATENCY_BUCKETS_MS, istioGeneration } from './adapter.js';

const FIXTURE = readFileSync(new URL('../../../test/fixtures/mesh/istio/istio-1.7.1_sidecar_productpage_requests_total_and_duration.prom', import.meta.url), 'utf8');
const LINKERD_PAGE = readFileSync(new URL('../../../test/fixtures/mesh/linkerd/linkerd-enterprise-recent_playground_balancer_endpoints_failfast.prom', import.meta.url), 'utf8');

function samplesOf(text: string): Sample[] {
  const samples: Sample[] = [];
  parseExposition(text, (sample) => samples.push(sample));
  return samples;
}

describe('Istio adapter', () => {
  const istio = createIstioAdapter();

  it("classifies outcomes by Linkerd's definition: 5xx, non-OK gRPC status or no response fail; 4xx succeeds", () => {
    const cases: [string | undefined, string | undefined, boolean][] = [
      ['200', '', false],
      ['404', '', false],
      ['429', '', false],
      ['500', '', true],
      ['503', '', true],
      ['0', '', true],
      ['200', '0', false],
      ['200', '14', true],
      ['200', '2', true],
      [undefined, undefined, true],
    ];
    for (const [code, grpc, failed] of cases) assert.equal(isIstioFailure(code, grpc), failed, `${code}/${grpc}`);
  });

  it('accepts only the request counter and the latency buckets and sum', () => {
    for (const name of ['istio_requests_total', 'istio_request_duration_milliseconds_bucket', 'istio_request_duration_milliseconds_sum']) assert.equal(istio.acceptMetric(name), true, name);
    for (const name of ['istio_request_duration_milliseconds_count', 'istio_request_bytes_bucket', 'istio_tcp_sent_bytes_total', 'envoy_cluster_upstream_rq_total', 'response_total']) {
      assert.equal(istio.acceptMetric(name), false, name);
    }
  });

  it('reads the real 1.7.1 page: client-side series name their leaf, server-side ones are skipped', () => {
    const meanings = samplesOf(FIXTURE)
      .filter((sample) => istio.acceptMetric(sample.name))
      .map((sample) => ({ sample, meaning: istio.interpret(sample.name, sample.labels, 'istio') }));
    const requests = meanings.filter(({ sample }) => sample.name === 'istio_requests_total');
    assert.equal(requests.length, 7);
    // The ingress gateway's request and the two probes are the destination side: not the client's.
    assert.deepEqual(
      requests.filter(({ meaning }) => meaning === null).map(({ sample }) => sample.labels.reporter),
      ['destination', 'destination', 'destination'],
    );
    const byLeaf = new Map<string, number>();
    for (const { sample, meaning } of requests) {
      if (meaning === null) continue;
      assert.equal(meaning.kind, 'response');
      assert.ok(meaning.kind === 'response' && meaning.outcome === 'success');
      assert.deepEqual(meaning.to, { kind: 'leaf', namespace: 'default', leaf: sample.labels.destination_service_name, layout: 'istio', routeless: true });
      const leaf = sample.labels.destination_service_name ?? '';
      byLeaf.set(leaf, (byLeaf.get(leaf) ?? 0) + sample.value);
    }
    // reviews v1, v2 and v3 are one Service: one leaf.
    assert.deepEqual([...byLeaf], [['details', 6], ['reviews', 6]]);
    const buckets = meanings.filter(({ sample }) => sample.name === 'istio_request_duration_milliseconds_bucket');
    assert.deepEqual(
      buckets.map(({ meaning }) => (meaning?.kind === 'latency' ? meaning.leMs : null)),
      [Number.POSITIVE_INFINITY, ...ISTIO_LATENCY_BUCKETS_MS],
    );
    const sums = meanings.filter(({ sample }) => sample.name === 'istio_request_duration_milliseconds_sum');
    assert.deepEqual(sums.map(({ sample }) => sample.value), [429.54999999999995, 76]);
    assert.ok(sums.every(({ meaning }) => meaning?.kind === 'latency-sum' && meaning.unitMs === undefined));
  });

  it('skips what is no Service of the cluster: unknown names, passthrough, other cluster domains, ServiceEntry hosts', () => {
    const base = { reporter: 'source', destination_service_name: 'web', destination_service_namespace: 'prod', destination_service: 'web.prod.svc.cluster.local', response_code: '200' };
    assert.notEqual(istio.interpret('istio_requests_total', base, 'istio'), null);
    for (const change of [
      { destination_service_name: 'unknown' },
      { destination_service_name: 'PassthroughCluster', destination_service: 'PassthroughCluster' },
      { destination_service: 'web.prod.svc.example.org' },
      { destination_service: 'web.example.com' },
      { destination_service_namespace: 'unknown' },
      { reporter: 'destination' },
      { reporter: 'waypoint' },
    ]) {
      assert.equal(istio.interpret('istio_requests_total', { ...base, ...change }, 'istio'), null, JSON.stringify(change));
    }
    assert.notEqual(createIstioAdapter({ clusterDomain: 'example.org' }).interpret('istio_requests_total', { ...base, destination_service: 'web.prod.svc.example.org' }, 'istio'), null);
  });

  it('skips bounds other than the default ones (a pod with its own statsHistogramBuckets)', () => {
    const labels = { reporter: 'source', destination_service_name: 'web', destination_service_namespace: 'prod', destination_service: 'web.prod.svc.cluster.local' };
    assert.deepEqual(istio.interpret('istio_request_duration_milliseconds_bucket', { ...labels, le: '25' }, 'istio'), {
      kind: 'latency',
      to: { kind: 'leaf', namespace: 'prod', leaf: 'web', layout: 'istio', routeless: true },
      leMs: 25,
    });
    assert.equal(istio.interpret('istio_request_duration_milliseconds_bucket', { ...labels, le: '7' }, 'istio'), null);
    assert.equal(istio.interpret('istio_request_duration_milliseconds_bucket', { ...labels, le: 'x' }, 'istio'), null);
  });

  it('tells an Istio page from a Linkerd one; a page without istio_ families keeps what was known', () => {
    assert.equal(istioGeneration(FIXTURE, undefined), 'istio');
    assert.equal(istioGeneration([LINKERD_PAGE], undefined), undefined);
    assert.equal(istioGeneration('envoy_server_uptime 5\n', 'istio'), 'istio');
    // Only at a line start or in a TYPE comment, never inside a label value.
    assert.equal(istioGeneration('response_total{authority="istio_x"} 1\n', undefined), undefined);
    const auto = createAutoAdapter();
    assert.equal(auto.generation(FIXTURE, undefined), 'istio');
    assert.equal(auto.generation([LINKERD_PAGE], undefined), 'linkerd-2.13');
    assert.equal(auto.generation('envoy_server_uptime 5\n', 'istio'), 'istio');
  });
});
