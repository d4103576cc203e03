import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createAutoAdapter } from '../auto-adapter.js';
import { interpretEnvoy } from './adapter.js';
import { createOsmAdapter, OSM_NAMING, osmClusterLeaf, osmGeneration } from './osm.js';

const ISTIO_PAGE = readFileSync(new URL('../../../test/fixtures/mesh/istio/istio-1.7.1_sidecar_productpage_requests_total_and_duration.prom', import.meta.url), 'utf8');

const interpretOsm = (name: string, labels: Readonly<Record<string, string>>) => interpretEnvoy(OSM_NAMING, name, labels);

describe('OSM adapter', () => {
  it("reads a leaf from OSM's cluster names only: <namespace>/<service>|<targetPort>", () => {
    assert.deepEqual(osmClusterLeaf('bookstore/bookstore-v2|14001'), { namespace: 'bookstore', leaf: 'bookstore-v2' });
    for (const name of [
      'bookstore/bookstore-v2|14001|local', // the server side's cluster of its own app
      'bookstore/bookstore-v2', // OSM ≤ v0.10 naming, not read
      'bookstore/bookstore-v2-local',
      'envoy-metrics-cluster',
      'passthrough-outbound',
      'outbound|8080||web.prod.svc.cluster.local', // Istio's
      'web', // Consul's, as Envoy's default extractor leaves it
      'ns/pod-0.svc|90', // a headless Service's pod: no Service backend
      'Bookstore/web|80',
      'ns/web|123456',
      undefined,
    ]) {
      assert.equal(osmClusterLeaf(name), null, String(name));
    }
  });

  it('counts 5xx as failures, other classes as successes, and latency by Envoy’s bounds', () => {
    const cluster = { envoy_cluster_name: 'shop/checkout-v2|8080' };
    const to = { kind: 'leaf', namespace: 'shop', leaf: 'checkout-v2', layout: 'envoy', routeless: true };
    assert.deepEqual(interpretOsm('envoy_cluster_upstream_rq_xx', { ...cluster, envoy_response_code_class: '5' }), { kind: 'response', to, outcome: 'failure' });
    for (const codeClass of ['1', '2', '3', '4']) {
      assert.deepEqual(interpretOsm('envoy_cluster_upstream_rq_xx', { ...cluster, envoy_response_code_class: codeClass }), { kind: 'response', to, outcome: 'success' });
    }
    assert.equal(interpretOsm('envoy_cluster_upstream_rq_xx', { ...cluster, envoy_response_code_class: '9' }), null);
    assert.deepEqual(interpretOsm('envoy_cluster_upstream_rq_time_bucket', { ...cluster, le: '2500' }), { kind: 'latency', to, leMs: 2500 });
    assert.deepEqual(interpretOsm('envoy_cluster_upstream_rq_time_bucket', { ...cluster, le: '+Inf' }), { kind: 'latency', to, leMs: Number.POSITIVE_INFINITY });
    assert.equal(interpretOsm('envoy_cluster_upstream_rq_time_bucket', { ...cluster, le: '7' }), null);
    assert.deepEqual(interpretOsm('envoy_cluster_upstream_rq_time_sum', cluster), { kind: 'latency-sum', to });
    assert.equal(interpretOsm('envoy_cluster_upstream_rq_total', cluster), null);
    assert.equal(createOsmAdapter().acceptMetric('envoy_cluster_upstream_rq_total'), false);
  });

  it('tells an OSM page by its cluster names, and never an Istio page, whose Envoy names clusters otherwise', () => {
    const osmPage = '# TYPE envoy_cluster_upstream_rq_xx counter\nenvoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="shop/storefront|8080|local"} 3\n';
    assert.equal(osmGeneration(osmPage, undefined), 'osm');
    assert.equal(osmGeneration(['envoy_server_live{} 1\n'], 'osm'), 'osm');
    assert.equal(osmGeneration('envoy_cluster_upstream_rq_xx{envoy_cluster_name="outbound|8080||web.prod.svc.cluster.local"} 1\n', undefined), undefined);
    // Only on Envoy's cluster lines: the same text in another family's label value is nothing.
    assert.equal(osmGeneration('some_metric{envoy_cluster_name="a/b|80"} 1\n', undefined), undefined);
    const auto = createAutoAdapter();
    assert.equal(auto.generation(osmPage, undefined), 'osm');
    const withEnvoy = `${ISTIO_PAGE}envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="outbound|9080||reviews.default.svc.cluster.local"} 6\n`;
    assert.equal(auto.generation(withEnvoy, undefined), 'istio');
    assert.equal(auto.interpret('envoy_cluster_upstream_rq_xx', { envoy_response_code_class: '2', envoy_cluster_name: 'outbound|9080||reviews.default.svc.cluster.local' }, 'istio'), null);
  });
});
