import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ENVOY_LATENCY_BUCKETS_MS } from './proxy-counters.js';
import { parseScenarioText } from './scenario.js';
import { Simulator } from './simulator.js';
import { parseSamples, sumBy } from '../../test/helpers/sim.js';

const SCENARIO = `
seed: 4
splits:
  - name: web
    apex: web
    port: 14001
    backends:
      - { service: web-v1, weight: 50, pods: 2, successRate: 0.8 }
      - { service: web-v2, weight: 50, successRate: 0.7 }
clients:
  - workload: deployment/frontend
    mesh: osm
    calls: [{ split: web, rps: 20 }]
`;

describe('simulated Open Service Mesh sidecar pages', () => {
  const sim = new Simulator({ scenario: parseScenarioText(SCENARIO), now: () => 1_700_000_000_000 });
  sim.advance(30_000);
  const [pod] = sim.clientPods();
  assert.ok(pod !== undefined);
  const page = sim.metricsText(pod.pod);

  it("writes Envoy's text: TYPE lines without HELP, {} on samples without tags, histograms last", () => {
    const lines = page.split('\n').filter((line) => line !== '');
    assert.ok(!lines.some((line) => line.startsWith('# HELP')));
    assert.ok(lines.includes('envoy_server_live{} 1'));
    const types = lines.filter((line) => line.startsWith('# TYPE')).map((line) => line.split(' ')[3]);
    assert.equal(types.at(-1), 'histogram');
    assert.equal(types.filter((type) => type === 'histogram').length, 1);
  });

  it('names each cluster as OSM does and counts responses by class, as the ground truth has them', () => {
    const samples = parseSamples(page);
    const clusters = new Set(samples.filter((sample) => sample.name === 'envoy_cluster_upstream_rq_xx').map((sample) => sample.labels.envoy_cluster_name));
    assert.deepEqual([...clusters].sort(), ['default/frontend|8080|local', 'default/web-v1|14001', 'default/web-v2|14001']);
    const first = page.split('\n').find((line) => line.startsWith('envoy_cluster_upstream_rq_xx{'));
    assert.match(first ?? '', /^envoy_cluster_upstream_rq_xx\{envoy_response_code_class="\d",envoy_cluster_name="[^"]+"\} \d+$/);
    const byClass = sumBy(samples, 'envoy_cluster_upstream_rq_xx', (labels) => (labels.envoy_cluster_name?.endsWith('|local') === true ? undefined : `${labels.envoy_cluster_name} ${labels.envoy_response_code_class}`));
    const truth = sim.truth();
    for (const leaf of ['web-v1', 'web-v2']) {
      const outcomes = truth.select({ leaf });
      assert.ok(outcomes.failure > 0, leaf);
      assert.equal(byClass.get(`default/${leaf}|14001 2`), outcomes.success, `${leaf} successes`);
      assert.equal(byClass.get(`default/${leaf}|14001 5`), outcomes.failure, `${leaf} failures`);
    }
  });

  it("writes each histogram as Envoy does: default bounds with le last, then _sum, then _count", () => {
    const lines = page.split('\n').filter((line) => line.includes('envoy_cluster_name="default/web-v1|14001"') && line.startsWith('envoy_cluster_upstream_rq_time'));
    const shapes = lines.map((line) => /^envoy_cluster_upstream_rq_time_(bucket|sum|count)\{envoy_cluster_name="[^"]+"(?:,le="([^"]+)")?\} /.exec(line)?.slice(1).filter(Boolean).join(':'));
    assert.deepEqual(shapes, [...ENVOY_LATENCY_BUCKETS_MS.map((bound) => `bucket:${bound}`), 'bucket:+Inf', 'sum', 'count']);
  });
});

const CONSUL_SCENARIO = SCENARIO.replace('mesh: osm', 'mesh: consul');

describe('simulated Consul Connect sidecar pages', () => {
  const sim = new Simulator({ scenario: parseScenarioText(CONSUL_SCENARIO), now: () => 1_700_000_000_000 });
  sim.advance(30_000);
  const [pod] = sim.clientPods();
  assert.ok(pod !== undefined);
  const page = sim.metricsText(pod.pod);
  const samples = parseSamples(page);

  it("tags every stat with Consul's fixed source tags first", () => {
    const fixed = 'local_cluster="frontend",consul_source_service="frontend",consul_source_namespace="default",consul_source_partition="default",consul_source_datacenter="dc1"';
    const lines = page.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    assert.ok(lines.every((line) => line.includes(`{${fixed}`)), 'every sample starts with the fixed tags');
    assert.ok(lines.includes(`envoy_server_live{${fixed}} 1`));
  });

  it("tags each upstream cluster as Consul's extractors do: envoy_cluster_name is the name's first piece, the Service in consul_destination_service", () => {
    const xx = samples.filter((sample) => sample.name === 'envoy_cluster_upstream_rq_xx');
    assert.deepEqual([...new Set(xx.map((sample) => sample.labels.envoy_cluster_name))].sort(), ['local_app', 'web-v1', 'web-v2']);
    const v2 = xx.find((sample) => sample.labels.consul_destination_service === 'web-v2');
    assert.deepEqual(
      Object.keys(v2?.labels ?? {}).slice(5),
      [
        'envoy_response_code_class',
        'envoy_cluster_name',
        'consul_destination_custom_hash',
        'consul_destination_service_subset',
        'consul_destination_service',
        'consul_destination_namespace',
        'consul_destination_partition',
        'consul_destination_datacenter',
        'consul_destination_routing_type',
        'consul_destination_trust_domain',
        'consul_destination_target',
        'consul_destination_full_target',
      ],
    );
    assert.equal(v2?.labels.consul_destination_target, 'web-v2.default.dc1');
    assert.match(v2?.labels.consul_destination_full_target ?? '', /^web-v2\.default\.dc1\.internal\.[0-9a-f-]{36}$/);
  });

  it('counts responses by class per Service as the ground truth has them', () => {
    const byClass = sumBy(samples, 'envoy_cluster_upstream_rq_xx', (labels) => (labels.consul_destination_service === undefined ? undefined : `${labels.consul_destination_service} ${labels.envoy_response_code_class}`));
    const truth = sim.truth();
    for (const leaf of ['web-v1', 'web-v2']) {
      const outcomes = truth.select({ leaf });
      assert.ok(outcomes.failure > 0, leaf);
      assert.equal(byClass.get(`${leaf} 2`), outcomes.success, `${leaf} successes`);
      assert.equal(byClass.get(`${leaf} 5`), outcomes.failure, `${leaf} failures`);
    }
  });
});
