import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAutoAdapter } from '../auto-adapter.js';
import { interpretEnvoy } from './adapter.js';
import { CONSUL_NAMING, consulLeaf, createConsulAdapter } from './consul.js';

/** The tags Consul's extractors give the cluster `web.default.dc1.internal.<td>.consul` (bootstrap_config.go, resourceTagSpecifiers). */
const WEB = {
  local_cluster: 'frontend',
  consul_source_service: 'frontend',
  consul_source_namespace: 'default',
  consul_source_partition: 'default',
  consul_source_datacenter: 'dc1',
  envoy_cluster_name: 'web',
  consul_destination_custom_hash: '',
  consul_destination_service_subset: '',
  consul_destination_service: 'web',
  consul_destination_namespace: 'default',
  consul_destination_partition: '',
  consul_destination_datacenter: 'dc1',
  consul_destination_routing_type: 'internal',
  consul_destination_trust_domain: 'e5b08d03-bfc3-c870-1833-baddb116e648',
  consul_destination_target: 'web.default.dc1',
  consul_destination_full_target: 'web.default.dc1.internal.e5b08d03-bfc3-c870-1833-baddb116e648',
};

describe('Consul Connect adapter', () => {
  it("reads the Service from Consul's destination tags, not from envoy_cluster_name (Envoy cuts it at the first dot)", () => {
    assert.deepEqual(consulLeaf(WEB), { namespace: null, leaf: 'web' });
    // A service-resolver subset (`v2.web…`): envoy_cluster_name is `v2`, the Service is still web.
    assert.deepEqual(consulLeaf({ ...WEB, envoy_cluster_name: 'v2', consul_destination_service_subset: 'v2' }), { namespace: null, leaf: 'web' });
    // A named partition routes `internal-v1`.
    assert.deepEqual(consulLeaf({ ...WEB, consul_destination_partition: 'part-a', consul_destination_routing_type: 'internal-v1' }), { namespace: null, leaf: 'web' });
  });

  it("reads a Consul namespace other than default as the Kubernetes namespace of that name, default as the client's own", () => {
    assert.deepEqual(consulLeaf({ ...WEB, consul_destination_namespace: 'shop' }), { namespace: 'shop', leaf: 'web' });
    assert.deepEqual(consulLeaf({ ...WEB, consul_destination_namespace: 'default' }), { namespace: null, leaf: 'web' });
    // Not a Kubernetes namespace name: no split can list it.
    assert.equal(consulLeaf({ ...WEB, consul_destination_namespace: 'Shop_A' }), null);
  });

  it("skips peers' Services, the pod's own app and anything without Consul's tags", () => {
    assert.equal(consulLeaf({ ...WEB, consul_destination_routing_type: 'external' }), null);
    assert.equal(consulLeaf({ envoy_cluster_name: 'local_app', local_cluster: 'frontend', consul_source_service: 'frontend' }), null);
    assert.equal(consulLeaf({ envoy_cluster_name: 'web' }), null);
    assert.equal(consulLeaf({ ...WEB, consul_destination_service: 'Web' }), null);
    assert.equal(consulLeaf({ ...WEB, consul_destination_routing_type: '' }), null);
  });

  it('counts 5xx as failures and latency by Envoy’s bounds, in the client’s namespace', () => {
    const to = { kind: 'leaf', namespace: null, leaf: 'web', layout: 'envoy', routeless: true };
    assert.deepEqual(interpretEnvoy(CONSUL_NAMING, 'envoy_cluster_upstream_rq_xx', { ...WEB, envoy_response_code_class: '5' }), { kind: 'response', to, outcome: 'failure' });
    assert.deepEqual(interpretEnvoy(CONSUL_NAMING, 'envoy_cluster_upstream_rq_xx', { ...WEB, envoy_response_code_class: '4' }), { kind: 'response', to, outcome: 'success' });
    assert.deepEqual(interpretEnvoy(CONSUL_NAMING, 'envoy_cluster_upstream_rq_time_bucket', { ...WEB, le: '250' }), { kind: 'latency', to, leMs: 250 });
    assert.equal(createConsulAdapter().mesh, 'consul');
  });

  it("tells a Consul page by the fixed consul_source_service tag on Envoy's lines, before any request", () => {
    const idle = 'envoy_server_live{local_cluster="frontend",consul_source_service="frontend",consul_source_namespace="default"} 1\n';
    assert.equal(CONSUL_NAMING.writes(idle), true);
    assert.equal(createConsulAdapter().generation(idle, undefined), 'consul');
    // The same label on the app's own merged metrics is nothing.
    assert.equal(CONSUL_NAMING.writes('http_requests_total{consul_source_service="frontend"} 3\n'), false);
    assert.equal(CONSUL_NAMING.writes('envoy_server_live{my_consul_source_service="x"} 1\n'), false);
    const auto = createAutoAdapter();
    assert.equal(auto.generation(idle, undefined), 'consul');
    // An OSM page is no Consul page, and Consul's Envoy series are read only on a Consul page.
    assert.equal(auto.generation('envoy_cluster_upstream_rq_xx{envoy_response_code_class="2",envoy_cluster_name="shop/web|80"} 1\n', undefined), 'osm');
    assert.equal(auto.interpret('envoy_cluster_upstream_rq_xx', { ...WEB, envoy_response_code_class: '2' }, 'osm'), null);
    assert.equal(auto.interpret('envoy_cluster_upstream_rq_xx', { ...WEB, envoy_response_code_class: '2' }, 'linkerd-2.13'), null);
    assert.deepEqual(auto.interpret('envoy_cluster_upstream_rq_xx', { ...WEB, envoy_response_code_class: '2' }, 'consul'), { kind: 'response', to: { kind: 'leaf', namespace: null, leaf: 'web', layout: 'envoy', routeless: true }, outcome: 'success' });
  });
});
