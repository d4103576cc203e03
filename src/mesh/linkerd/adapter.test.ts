import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLinkerdAdapter } from './adapter.js';
import { parseServiceAuthority } from './authority.js';

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
    const meaning = linkerd.interpret('response_total', { classification: 'failure', ...outbound });
    assert.deepEqual(meaning, {
      kind: 'response',
      edge: { apexNamespace: 'test', apex: 'backend-svc', leaf: 'backend-v2' },
      outcome: 'failure',
    });
  });

  it('maps latency buckets by their bound, +Inf included', () => {
    assert.deepEqual(linkerd.interpret('response_latency_ms_bucket', { ...outbound, le: '50' }), {
      kind: 'latency',
      edge: { apexNamespace: 'test', apex: 'backend-svc', leaf: 'backend-v2' },
      leMs: 50,
    });
    assert.equal(linkerd.interpret('response_latency_ms_bucket', { ...outbound, le: '+Inf' })?.kind, 'latency');
    assert.equal(linkerd.interpret('response_latency_ms_bucket', { ...outbound, le: '7' }), null);
    assert.equal(linkerd.interpret('response_latency_ms_bucket', { ...outbound, le: 'x' }), null);
  });

  it('maps the latency sum', () => {
    assert.deepEqual(linkerd.interpret('response_latency_ms_sum', outbound), {
      kind: 'latency-sum',
      edge: { apexNamespace: 'test', apex: 'backend-svc', leaf: 'backend-v2' },
    });
  });

  it('ignores inbound traffic, other namespaces, missing leaves and unknown classifications', () => {
    assert.equal(linkerd.interpret('response_total', { ...outbound, direction: 'inbound', classification: 'success' }), null);
    assert.equal(linkerd.interpret('response_total', { ...outbound, dst_namespace: 'other', classification: 'success' }), null);
    const { dst_service: _leaf, ...noLeaf } = outbound;
    assert.equal(linkerd.interpret('response_total', { ...noLeaf, classification: 'success' }), null);
    assert.equal(linkerd.interpret('response_total', { ...outbound, classification: 'maybe' }), null);
    assert.equal(linkerd.interpret('response_total', { ...outbound, authority: 'api.github.com:443', classification: 'success' }), null);
  });

  it('honours a custom cluster domain', () => {
    const custom = createLinkerdAdapter({ clusterDomain: 'corp.internal' });
    const labels = { ...outbound, authority: 'backend-svc.test.svc.corp.internal:8080', classification: 'success' };
    assert.equal(custom.interpret('response_total', labels)?.kind, 'response');
    assert.equal(linkerd.interpret('response_total', labels), null);
  });
});
