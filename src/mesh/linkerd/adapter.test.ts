import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseExposition } from '../../collect/index.js';
import type { Sample } from '../../collect/index.js';
import { createLinkerdAdapter } from './adapter.js';
import { parseServiceAuthority } from './authority.js';
import { LINKERD_APEX_AUTHORITY as OLD, LINKERD_LEAF_AUTHORITY as NEW, linkerdGeneration } from './generation.js';

// Label sets as a Linkerd 2.11 proxy writes them (see the proxy metric fixtures).
const outbound = {
  direction: 'outbound',
  authority: 'backend-svc.test.svc.cluster.local:8080',
  target_addr: '10.42.0.17:8080',
  dst_namespace: 'test',
  dst_service: 'backend-v2',
  dst_deployment: 'backend-v2',
  dst_pod: 'backend-v2-5f7d9c-x2x4q',
  tls: 'true',
  status_code: '200',
};

describe('parseServiceAuthority', () => {
  it('reads service FQDNs with and without port', () => {
    assert.deepEqual(parseServiceAuthority('web.prod.svc.cluster.local:8080', 'cluster.local'), { service: 'web', namespace: 'prod' });
    assert.deepEqual(parseServiceAuthority('web.prod.svc.cluster.local', 'cluster.local'), { service: 'web', namespace: 'prod' });
    assert.deepEqual(parseServiceAuthority('web.prod.svc.cluster.local.:80', 'cluster.local'), { service: 'web', namespace: 'prod' });
    assert.deepEqual(parseServiceAuthority('web.prod.svc.example.org:80', 'example.org'), { service: 'web', namespace: 'prod' });
  });

  it('rejects what cannot be an apex', () => {
    for (const authority of ['10.0.0.1:8080', 'example.com:443', 'web:8080', 'web.prod.svc.other.domain:80', '.prod.svc.cluster.local', 'a.b.c.svc.cluster.local']) {
      assert.equal(parseServiceAuthority(authority, 'cluster.local'), null, authority);
    }
  });
});

describe('Linkerd adapter', () => {
  const linkerd = createLinkerdAdapter();

  it('accepts only the families split stats need', () => {
    assert.equal(linkerd.acceptMetric('response_total'), true);
    assert.equal(linkerd.acceptMetric('response_latency_ms_bucket'), true);
    assert.equal(linkerd.acceptMetric('response_latency_ms_sum'), true);
    for (const name of ['request_total', 'response_latency_ms_count', 'tcp_open_total', 'process_cpu_seconds_total']) {
      assert.equal(linkerd.acceptMetric(name), false, name);
    }
  });

  it('maps an outbound response series to apex, leaf and outcome, whatever the label order', () => {
    const meaning = linkerd.interpret('response_total', { classification: 'failure', ...outbound }, OLD);
    assert.deepEqual(meaning, {
      kind: 'response',
      to: { kind: 'edge', edge: { apexNamespace: 'test', apex: 'backend-svc', leaf: 'backend-v2' } },
      outcome: 'failure',
    });
  });

  it('maps latency buckets by their bound, +Inf included', () => {
    assert.deepEqual(linkerd.interpret('response_latency_ms_bucket', { ...outbound, le: '50' }, OLD), {
      kind: 'latency',
      to: { kind: 'edge', edge: { apexNamespace: 'test', apex: 'backend-svc', leaf: 'backend-v2' } },
      leMs: 50,
    });
    assert.equal(linkerd.interpret('response_latency_ms_bucket', { ...outbound, le: '+Inf' }, OLD)?.kind, 'latency');
    assert.equal(linkerd.interpret('response_latency_ms_bucket', { ...outbound, le: '7' }, OLD), null);
    assert.equal(linkerd.interpret('response_latency_ms_bucket', { ...outbound, le: 'x' }, OLD), null);
  });

  it('maps the latency sum', () => {
    assert.deepEqual(linkerd.interpret('response_latency_ms_sum', outbound, OLD), {
      kind: 'latency-sum',
      to: { kind: 'edge', edge: { apexNamespace: 'test', apex: 'backend-svc', leaf: 'backend-v2' } },
    });
  });

  it('ignores inbound traffic, other namespaces, missing leaves and unknown classifications', () => {
    assert.equal(linkerd.interpret('response_total', { ...outbound, direction: 'inbound', classification: 'success' }, OLD), null);
    assert.equal(linkerd.interpret('response_total', { ...outbound, dst_namespace: 'other', classification: 'success' }, OLD), null);
    const { dst_service: _leaf, ...noLeaf } = outbound;
    assert.equal(linkerd.interpret('response_total', { ...noLeaf, classification: 'success' }, OLD), null);
    assert.equal(linkerd.interpret('response_total', { ...outbound, classification: 'maybe' }, OLD), null);
    assert.equal(linkerd.interpret('response_total', { ...outbound, authority: 'api.github.com:443', classification: 'success' }, OLD), null);
  });

  it('honours a custom cluster domain', () => {
    const custom = createLinkerdAdapter({ clusterDomain: 'corp.internal' });
    const labels = { ...outbound, authority: 'backend-svc.test.svc.corp.internal:8080', classification: 'success' };
    assert.equal(custom.interpret('response_total', labels, OLD)?.kind, 'response');
    assert.equal(linkerd.interpret('response_total', labels, OLD), null);
  });
});

// Real pages (test/fixtures/mesh/linkerd/README.md, test/fixtures/collect/) and what each is read as.
const fixture = (path: string): string => readFileSync(new URL(`../../../test/fixtures/${path}`, import.meta.url), 'utf8');

describe('Linkerd proxy generations', () => {
  const linkerd = createLinkerdAdapter();

  it('reads pages with the 2.13+ outbound families as 2.13, real ones included', () => {
    for (const file of [
      'mesh/linkerd/linkerd-enterprise-recent_playground_balancer_endpoints_failfast.prom',
      'mesh/linkerd/linkerd-proxy-main-f4e7b83-v2.329ish_website-pr2069_route_metrics_PARTIAL.prom',
    ]) {
      assert.equal(linkerdGeneration(fixture(file), undefined), NEW, file);
      assert.equal(linkerdGeneration(fixture(file), OLD), NEW, file);
    }
  });

  it('reads pages with outbound HTTP but without them as 2.12', () => {
    for (const file of ['collect/real-excerpt-2020-outbound-http.txt', 'mesh/linkerd/linkerd-2.5dev_proxy-pr300_response_total_trafficsplit_authority_is_apex.prom']) {
      assert.equal(linkerdGeneration(fixture(file), undefined), OLD, file);
      assert.equal(linkerdGeneration(fixture(file), NEW), OLD, file);
    }
  });

  it('a page without outbound HTTP tells nothing: the process keeps what it was read as, a new one is unknown', () => {
    const quiet = fixture('collect/real-dump-2022-inbound-http-outbound-tcp.txt');
    assert.equal(linkerdGeneration(quiet, undefined), undefined);
    assert.equal(linkerdGeneration(quiet, NEW), NEW);
    assert.equal(linkerdGeneration(quiet, OLD), OLD);
    assert.equal(linkerdGeneration('', undefined), undefined);
    // Only a family name counts, not the same text inside a label value.
    assert.equal(linkerdGeneration('x{note="outbound_http_route_x"} 1\n', undefined), undefined);
    assert.equal(linkerdGeneration('x{note="a outbound_http_route_x"} 1\n', undefined), undefined);
    assert.equal(linkerdGeneration('# TYPE outbound_http_balancer_endpoints gauge\n', undefined), NEW);
    assert.equal(linkerdGeneration('# HELP outbound_http_route_backend_requests_total x\n', undefined), NEW);
    // A comment written inside a label value, after an escaped newline, is no comment.
    const forged = 'response_total{direction="outbound",authority="checkout.shop.svc.cluster.local:8080",dst_pod="x\\n# TYPE outbound_http_route_backend_requests_total counter"} 5\n';
    assert.equal(linkerdGeneration(forged, undefined), OLD);
  });

  it('2.12: the real TrafficSplit line names the apex in authority and the leaf in dst_service', () => {
    const [sample] = samplesOf(fixture('mesh/linkerd/linkerd-2.5dev_proxy-pr300_response_total_trafficsplit_authority_is_apex.prom'));
    assert.ok(sample !== undefined);
    assert.deepEqual(linkerd.interpret(sample.name, sample.labels, OLD), {
      kind: 'response',
      to: { kind: 'edge', edge: { apexNamespace: 'default', apex: 'authors', leaf: 'authors-v2' } },
      outcome: 'success',
    });
  });

  it('2.13: the real outbound lines name only the leaf that served them; inbound lines nothing', () => {
    const samples = samplesOf(fixture('mesh/linkerd/linkerd-enterprise-recent_playground_response_total_outbound.prom'));
    const meanings = samples.map((sample) => linkerd.interpret(sample.name, sample.labels, NEW));
    assert.deepEqual(meanings, [
      { kind: 'response', to: { kind: 'leaf', namespace: 'playground', leaf: 'playground-server-http' }, outcome: 'failure' },
      { kind: 'response', to: { kind: 'leaf', namespace: 'playground', leaf: 'playground-server-http' }, outcome: 'failure' },
      null,
    ]);
  });

  it('2.13: the real balancer gauges name the Service called (parent) and the leaf behind it', () => {
    const samples = samplesOf(fixture('mesh/linkerd/linkerd-enterprise-recent_playground_balancer_endpoints_failfast.prom'));
    const meanings = samples.map((sample) => linkerd.interpret(sample.name, sample.labels, NEW));
    const concrete = { kind: 'concrete', namespace: 'playground', parent: 'playground-server-http', leaf: 'playground-server-http' };
    // Two states of one balancer, and an error counter that is not one.
    assert.deepEqual(meanings, [concrete, concrete, null]);
    assert.equal(linkerd.acceptMetric('outbound_http_balancer_endpoints'), true);
  });

  it('2.13: a port-less authority (:80 dropped) is still the leaf', () => {
    const labels = { ...outbound, authority: 'backend-v2.test.svc.cluster.local', classification: 'success' };
    assert.deepEqual(linkerd.interpret('response_total', labels, NEW), { kind: 'response', to: { kind: 'leaf', namespace: 'test', leaf: 'backend-v2' }, outcome: 'success' });
  });

  it('2.13: an authority that is not the leaf it reached is not a split backend', () => {
    assert.equal(linkerd.interpret('response_total', { ...outbound, classification: 'success' }, NEW), null);
  });
});

describe('Linkerd route-backend families (HTTPRoute splits)', () => {
  const linkerd = createLinkerdAdapter();
  const PARTIAL = 'mesh/linkerd/linkerd-proxy-main-f4e7b83-v2.329ish_website-pr2069_route_metrics_PARTIAL.prom';
  // The label set of the real capture, with an HTTPRoute in place of the default route.
  const routeLabels = {
    parent_group: 'core', parent_kind: 'Service', parent_namespace: 'shop', parent_name: 'web', parent_port: '80', parent_section_name: '',
    route_group: 'gateway.networking.k8s.io', route_kind: 'HTTPRoute', route_namespace: 'shop', route_name: 'web-route',
    backend_group: 'core', backend_kind: 'Service', backend_namespace: 'shop', backend_name: 'web-v2', backend_port: '80', backend_section_name: '',
  };
  const edge = { apexNamespace: 'shop', apex: 'web', leaf: 'web-v2', route: 'gateway.networking.k8s.io/web-route' };

  it('parses the real route-backend lines; their default route (no HTTPRoute) is no split', () => {
    const samples = samplesOf(fixture(PARTIAL)).filter((sample) => linkerd.acceptMetric(sample.name));
    const names = new Set(samples.map((sample) => sample.name));
    assert.ok(names.has('outbound_http_route_backend_response_duration_seconds_bucket') && names.has('outbound_http_route_backend_response_duration_seconds_sum'), [...names].join());
    // Its first bound is the route layout's first (the capture keeps one bucket line).
    const bucket = samples.find((sample) => sample.name.endsWith('_bucket'));
    assert.equal(bucket?.labels.le, '0.025');
    const asHttpRoute = { ...bucket?.labels, route_group: 'gateway.networking.k8s.io', route_kind: 'HTTPRoute', route_namespace: 'simple-app', route_name: 'r' };
    assert.deepEqual(linkerd.interpret(bucket?.name ?? '', asHttpRoute, NEW), {
      kind: 'latency',
      to: { kind: 'edge', edge: { apexNamespace: 'simple-app', apex: 'simple-app-v1', leaf: 'simple-app-v1', route: 'gateway.networking.k8s.io/r' } },
      leMs: 25,
    });
    for (const sample of samples) assert.equal(linkerd.interpret(sample.name, sample.labels, NEW), null, sample.series);
  });

  it('reads a route-backend series as the edge parent → backend through that route, in every generation', () => {
    for (const generation of [OLD, NEW]) {
      assert.deepEqual(
        linkerd.interpret('outbound_http_route_backend_response_statuses_total', { ...routeLabels, http_status: '200', error: '' }, generation),
        { kind: 'response', to: { kind: 'edge', edge }, outcome: 'success' },
      );
    }
  });

  it('classifies as linkerd viz stat-outbound: HTTP 5xx or any error fails; the gRPC families are GRPCRoutes’, no split’s', () => {
    const http = (status: string, error: string) =>
      linkerd.interpret('outbound_http_route_backend_response_statuses_total', { ...routeLabels, http_status: status, error }, NEW);
    const outcome = (meaning: ReturnType<typeof http>) => (meaning?.kind === 'response' ? meaning.outcome : undefined);
    assert.equal(outcome(http('404', '')), 'success');
    assert.equal(outcome(http('503', '')), 'failure');
    assert.equal(outcome(http('', 'FAIL_FAST')), 'failure');
    assert.equal(linkerd.acceptMetric('outbound_grpc_route_backend_response_statuses_total'), false);
  });

  it('maps the seconds histogram to its own ms bounds, the sum with its unit', () => {
    const bucket = 'outbound_http_route_backend_response_duration_seconds_bucket';
    assert.deepEqual(linkerd.interpret(bucket, { ...routeLabels, le: '0.025' }, NEW), { kind: 'latency', to: { kind: 'edge', edge }, leMs: 25 });
    assert.deepEqual(linkerd.interpret(bucket, { ...routeLabels, le: '+Inf' }, NEW), { kind: 'latency', to: { kind: 'edge', edge }, leMs: Number.POSITIVE_INFINITY });
    // The proxy's metrics crate prints whole seconds as `1.0` and `10.0`.
    assert.deepEqual(linkerd.interpret(bucket, { ...routeLabels, le: '1.0' }, NEW), { kind: 'latency', to: { kind: 'edge', edge }, leMs: 1000 });
    assert.deepEqual(linkerd.interpret(bucket, { ...routeLabels, le: '10' }, NEW), { kind: 'latency', to: { kind: 'edge', edge }, leMs: 10000 });
    assert.equal(linkerd.interpret(bucket, { ...routeLabels, le: '0.3' }, NEW), null);
    assert.deepEqual(linkerd.interpret('outbound_http_route_backend_response_duration_seconds_sum', routeLabels, NEW), { kind: 'latency-sum', to: { kind: 'edge', edge }, unitMs: 1000 });
  });

  it('reads only Kubernetes names: a label value that could forge another edge’s key is no split traffic', () => {
    const statuses = 'outbound_http_route_backend_response_statuses_total';
    assert.equal(linkerd.interpret(statuses, { ...routeLabels, backend_name: 'web-v1|gateway.networking.k8s.io/r', http_status: '200', error: '' }, NEW), null);
    assert.equal(linkerd.interpret('response_total', { ...outbound, authority: 'web.test.svc.cluster.local', dst_service: 'web-v2|x', classification: 'success' }, OLD), null);
  });

  it('keeps out consumer routes, other backend kinds and other namespaces', () => {
    const statuses = 'outbound_http_route_backend_response_statuses_total';
    for (const change of [{ route_namespace: 'client' }, { backend_kind: 'EgressNetwork' }, { backend_namespace: 'other' }, { parent_kind: 'EgressNetwork' }, { route_kind: 'GRPCRoute' }]) {
      assert.equal(linkerd.interpret(statuses, { ...routeLabels, ...change, http_status: '200', error: '' }, NEW), null, JSON.stringify(change));
    }
  });
});

function samplesOf(text: string): Sample[] {
  const samples: Sample[] = [];
  const report = parseExposition(text, (sample) => samples.push(sample));
  assert.equal(report.malformed, 0, report.problems.join('; '));
  return samples;
}
