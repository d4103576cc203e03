import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { envoyFloat } from './istio-exposition.js';
import { ISTIO_LATENCY_BUCKETS_MS } from './proxy-counters.js';
import { parseScenarioText } from './scenario.js';
import { Simulator } from './simulator.js';
import { parseSamples, sumBy } from '../../test/helpers/sim.js';
import type { Sample } from '../../test/helpers/sim.js';

const FIXTURE = readFileSync(new URL('../../test/fixtures/mesh/istio/istio-1.7.1_sidecar_productpage_requests_total_and_duration.prom', import.meta.url), 'utf8');

const SCENARIO = `
seed: 3
splits:
  - name: web
    apex: web
    backends:
      - { service: web-v1, weight: 50, pods: 2, successRate: 0.8 }
      - { service: web-v2, weight: 50, successRate: 0.7 }
clients:
  - workload: deployment/frontend
    mesh: istio
    calls: [{ split: web, rps: 20 }]
  - workload: deployment/rpc
    mesh: istio
    protocol: grpc
    calls: [{ split: web, rps: 10 }]
`;

const keysOf = (sample: Sample | undefined) => Object.keys(sample?.labels ?? {});

describe('simulated Istio sidecar pages', () => {
  const sim = new Simulator({ scenario: parseScenarioText(SCENARIO), now: () => 1_700_000_000_000 });
  after(() => sim.stop());

  async function page(pod: string): Promise<string> {
    await sim.start();
    const target = sim.targets().find((candidate) => candidate.pod.startsWith(pod));
    assert.ok(target !== undefined, pod);
    assert.ok(target.url.endsWith('/stats/prometheus'), target.url);
    const response = await fetch(target.url, { signal: AbortSignal.timeout(5000) });
    assert.equal(response.status, 200);
    return response.text();
  }

  it('writes the real 1.7.1 page’s label names in its order, for client requests and for probes', async () => {
    sim.advance(20_000);
    const real = parseSamples(FIXTURE);
    const simulated = parseSamples(await page('frontend'));
    for (const name of ['istio_requests_total', 'istio_request_duration_milliseconds_bucket', 'istio_request_duration_milliseconds_sum', 'istio_request_duration_milliseconds_count']) {
      const realSource = real.find((sample) => sample.name === name && sample.labels.reporter === 'source');
      const simSource = simulated.find((sample) => sample.name === name && sample.labels.reporter === 'source');
      assert.deepEqual(keysOf(simSource), keysOf(realSource), name);
    }
    const realProbe = real.find((sample) => sample.labels.destination_service_name === 'InboundPassthroughClusterIpv4');
    const simProbe = simulated.find((sample) => sample.labels.destination_service_name === 'InboundPassthroughClusterIpv4');
    assert.deepEqual(keysOf(simProbe), keysOf(realProbe));
    assert.equal(simProbe?.labels.reporter, 'destination');
  });

  it('writes each histogram as Envoy does: the default bounds, then _sum, then _count', async () => {
    const text = await page('frontend');
    const lines = text.split('\n').filter((line) => line.startsWith('istio_request_duration_milliseconds'));
    const first = lines.slice(0, ISTIO_LATENCY_BUCKETS_MS.length + 3).map((line) => /_(bucket|sum|count)\{.*?(?:le="([^"]+)")?\}/.exec(line)?.slice(1).filter(Boolean).join(':'));
    assert.deepEqual(first, [...ISTIO_LATENCY_BUCKETS_MS.map((bound) => `bucket:${bound}`), 'bucket:+Inf', 'sum', 'count']);
    const realBounds = parseSamples(FIXTURE)
      .filter((sample) => sample.name === 'istio_request_duration_milliseconds_bucket' && sample.labels.destination_workload === 'reviews-v2')
      .map((sample) => sample.labels.le);
    assert.deepEqual(realBounds, [...ISTIO_LATENCY_BUCKETS_MS.map(String), '+Inf']);
  });

  it('prints doubles as Envoy’s %.32g does', () => {
    assert.equal(envoyFloat(429.54999999999995), '429.54999999999995452526491135359');
    assert.equal(envoyFloat(76), '76');
    assert.equal(envoyFloat(0.5), '0.5');
    assert.equal(envoyFloat(12.25), '12.25');
  });

  it('counts each request once, client side, by response code and gRPC status, as the ground truth has them', async () => {
    const mark = sim.truth();
    sim.advance(30_000);
    const truth = sim.truthSince(mark);
    assert.ok(truth.select({ leaf: 'web-v1' }).failure > 0);
    for (const [pod, protocol] of [['frontend', 'http'], ['rpc', 'grpc']] as const) {
      const samples = parseSamples(await page(pod)).filter((sample) => sample.name === 'istio_requests_total' && sample.labels.reporter === 'source');
      assert.ok(samples.every((sample) => sample.labels.request_protocol === protocol));
      const codes = new Set(samples.map((sample) => `${sample.labels.response_code}/${sample.labels.grpc_response_status}`));
      // HTTP: 200, 503 and resets (0); gRPC: OK and UNAVAILABLE under 200.
      assert.deepEqual([...codes].sort(), protocol === 'http' ? ['0/', '200/', '503/'] : ['200/0', '200/14']);
      const workload = pod === 'frontend' ? 'frontend' : 'rpc';
      const all = truth.select({ clientWorkload: workload });
      const failed = (labels: Readonly<Record<string, string>>) => labels.response_code === '0' || labels.response_code === '503' || labels.grpc_response_status === '14';
      const byOutcome = sumBy(samples, 'istio_requests_total', (labels) => (failed(labels) ? 'failure' : 'success'));
      // Lifetime counters cover the first 20 s too: at least the window's requests, each once.
      assert.ok((byOutcome.get('failure') ?? 0) >= all.failure && (byOutcome.get('success') ?? 0) >= all.success);
      const everything = sim.truth().select({ clientWorkload: workload });
      assert.equal(byOutcome.get('failure'), everything.failure);
      assert.equal(byOutcome.get('success'), everything.success);
    }
  });
});
