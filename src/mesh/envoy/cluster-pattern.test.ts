import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAutoAdapter } from '../auto-adapter.js';
import { ClusterPatternError, clusterPatternNaming, createClusterPatternAdapter, parseClusterPattern, patternLeaf } from './cluster-pattern.js';
import { clusterPatternQuerySchema } from './promql.js';

// Cilium's Envoy names a Service's cluster `<namespace>/<service>_<port>` (as in the cluster names
// of a real Cilium bugtool dump, cilium/cilium pull request 22797: `default/details_9080`).
const CILIUM = '(?<namespace>[^/]+)/(?<service>[a-z][-a-z0-9]*)_[0-9]+';

describe('--envoy-cluster-pattern', () => {
  it('reads the Service (and its namespace, when the pattern has one) from whole cluster names', () => {
    const pattern = parseClusterPattern(CILIUM);
    assert.deepEqual(patternLeaf(pattern, 'default/details_9080'), { namespace: 'default', leaf: 'details' });
    assert.deepEqual(patternLeaf(pattern, 'bookinfo/reviews-v2_9080'), { namespace: 'bookinfo', leaf: 'reviews-v2' });
    // Anchored at both ends, as Prometheus anchors =~.
    assert.equal(patternLeaf(pattern, 'default/details_9080-tls'), null);
    for (const name of ['egress-cluster', 'envoy-admin', 'Default/details_9080', undefined]) assert.equal(patternLeaf(pattern, name), null, String(name));
    const noNamespace = parseClusterPattern('outbound_(?<service>[a-z][-a-z0-9]*)_[0-9]+');
    assert.deepEqual(patternLeaf(noNamespace, 'outbound_web_80'), { namespace: null, leaf: 'web' });
  });

  it('refuses patterns that cannot say the Service, or mean something else to Prometheus', () => {
    const refused = (source: string, reason: RegExp) => assert.throws(() => parseClusterPattern(source), (error: unknown) => error instanceof ClusterPatternError && reason.test(error.message), source);
    refused('(?<namespace>[^/]+)/([^_]+)_[0-9]+', /named group \(\?<service>/);
    refused('(?<service>[a-z]+)(?=_)', /lookaround/);
    refused('(?<service>[a-z]+)(?<!x)', /lookaround/);
    refused('(?<service>[a-z]+)_\\1', /backreference/);
    refused('(?<service>[a-z]+', /no regular expression/);
    refused('(?<service>[a-z]+)_(?<port>[0-9]+)', /groups other than service and namespace: port/);
  });

  it('tells a page by a cluster the pattern reads, after OSM and Consul in --mesh auto', () => {
    const pattern = parseClusterPattern(CILIUM);
    const page = '# TYPE envoy_cluster_upstream_rq_xx counter\nenvoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="default/details_9080"} 4\n';
    assert.equal(clusterPatternNaming(pattern).writes(page), true);
    assert.equal(clusterPatternNaming(pattern).writes('envoy_cluster_upstream_cx_total{envoy_cluster_name="egress-cluster"} 1\n'), false);
    assert.equal(createClusterPatternAdapter(pattern).generation(page, undefined), 'envoy');
    assert.equal(createAutoAdapter().generation(page, undefined), undefined, 'without a pattern, auto reads no such page');
    const auto = createAutoAdapter({ envoyClusterPattern: pattern });
    assert.equal(auto.generation(page, undefined), 'envoy');
    assert.ok(auto.generations.includes('envoy'));
    assert.deepEqual(auto.interpret('envoy_cluster_upstream_rq_xx', { envoy_response_code_class: '5', envoy_cluster_name: 'default/details_9080' }, 'envoy'), {
      kind: 'response',
      to: { kind: 'leaf', namespace: 'default', leaf: 'details', layout: 'envoy', routeless: true },
      outcome: 'failure',
    });
    // An OSM page stays OSM's even when the pattern would read it too.
    assert.equal(createAutoAdapter({ envoyClusterPattern: parseClusterPattern('(?<namespace>[^/]+)/(?<service>[^|]+)\\|[0-9]+') }).generation('envoy_cluster_upstream_rq_xx{envoy_cluster_name="shop/web|80"} 1\n', undefined), 'osm');
  });

  it("PromQL selects the pattern's clusters with RE2's group syntax and reads each answer's name with the pattern", () => {
    const schema = clusterPatternQuerySchema(parseClusterPattern(CILIUM));
    const { counts } = schema.queries([], { range: '1m' });
    assert.ok(counts.includes('envoy_cluster_name=~"(?P<namespace>[^/]+)/(?P<service>[a-z][-a-z0-9]*)_[0-9]+"'), counts);
    assert.throws(() => schema.queries([], { range: '1m', from: { namespace: 'default' } }), /--from needs/);
  });
});
