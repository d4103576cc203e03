// Weighted HTTPRoute splits in the simulator: what a 2.17 client's page says about them (checked
// against the real route-metrics capture), the HTTPRoute object the simulator publishes, the
// ground truth per split, and the scenario rules that keep older proxies away from them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { normalizeHttpRoute, SplitStore } from '../splits/index.js';
import { latencyBucketsMsOf } from './ground-truth.js';
import { ROUTE_LATENCY_BUCKETS_MS } from './proxy-counters.js';
import { formatRustF64 } from './route-backend-exposition.js';
import { ScenarioError, parseScenarioText } from './scenario.js';
import { Simulator } from './simulator.js';
import { feedSimulatedSplits } from './split-feed.js';
import { parseSamples } from '../../test/helpers/sim.js';
import type { Sample } from '../../test/helpers/sim.js';

const CAPTURE = readFileSync(new URL('../../test/fixtures/mesh/linkerd/linkerd-proxy-main-f4e7b83-v2.329ish_website-pr2069_route_metrics_PARTIAL.prom', import.meta.url), 'utf8');

const DURATION = 'outbound_http_route_backend_response_duration_seconds';
const STATUSES = 'outbound_http_route_backend_response_statuses';

/** One HTTPRoute `default/web-route` on Service web (web-v1 90 / web-v2 10), one 2.17 client. */
function routeScenario({ protocol = 'http', proxy = 'stable-2.17', apiVersion = '', extra = '' } = {}): string {
  return `seed: 11
splits:
  - name: web-route
    kind: HTTPRoute
${apiVersion === '' ? '' : `    apiVersion: ${apiVersion}\n`}    apex: web
    port: 8080
    backends:
      - { service: web-v1, weight: 90, pods: 2, successRate: 0.95, latency: { p50: 30ms, p99: 400ms } }
      - { service: web-v2, weight: 10, successRate: 0.8, latency: { p50: 60ms, p99: 2s } }
clients:
  - workload: deployment/client
    protocol: ${protocol}
    proxy: ${proxy}
    calls: [{ split: web-route, rps: 200 }]
${extra}`;
}

function run(text: string, ms = 20_000): { sim: Simulator; page: string; samples: Sample[] } {
  const sim = new Simulator({ scenario: parseScenarioText(text, 'route.yaml'), now: () => 1_700_000_000_000 });
  sim.advance(ms);
  const page = sim.metricsText(sim.clientPods()[0]?.pod ?? '');
  return { sim, page, samples: parseSamples(page) };
}

/** Label names of a sample line, in the order written. */
function labelNames(line: string | undefined): string[] {
  assert.ok(line !== undefined, 'a line to read');
  const labels = /\{(.*)\}/.exec(line)?.[1] ?? '';
  return [...labels.matchAll(/([a-zA-Z_]\w*)="(?:[^"\\]|\\.)*"/g)].map((match) => match[1] ?? '');
}

function firstLine(text: string, prefix: string): string | undefined {
  return text.split('\n').find((line) => line.startsWith(prefix));
}

function errorsOf(text: string): string[] {
  try {
    parseScenarioText(text, 'scenario.yaml');
  } catch (error) {
    assert.ok(error instanceof ScenarioError, `expected a ScenarioError, got ${String(error)}`);
    return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  assert.fail('the scenario was accepted');
}

describe('HTTPRoute splits in the simulator', () => {
  it('writes the route-backend families in the label order of the real capture', () => {
    const { page } = run(routeScenario());
    // The capture's first route-backend line is a _sum (no `le`); its bucket lines put `le` first.
    const realFirst = labelNames(firstLine(CAPTURE, 'outbound_http_route_backend_'));
    const realBucket = labelNames(firstLine(CAPTURE, `${DURATION}_bucket{`));
    assert.deepEqual(realFirst.slice(0, 6), ['parent_group', 'parent_kind', 'parent_namespace', 'parent_name', 'parent_port', 'parent_section_name']);
    assert.deepEqual(labelNames(firstLine(page, 'outbound_http_route_backend_')), realFirst);
    assert.deepEqual(labelNames(firstLine(page, `${DURATION}_sum{`)), labelNames(firstLine(CAPTURE, `${DURATION}_sum{`)));
    assert.deepEqual(labelNames(firstLine(page, `${DURATION}_count{`)), labelNames(firstLine(CAPTURE, `${DURATION}_count{`)));
    assert.deepEqual(labelNames(firstLine(page, `${DURATION}_bucket{`)), realBucket);
    // Statuses: the same route-backend labels, then the status and the error (labels.rs HttpRsp).
    assert.deepEqual(labelNames(firstLine(page, `${STATUSES}_total{`)), [...realFirst, 'http_status', 'error']);
  });

  it('declares each family as the prometheus-client crate does: HELP, TYPE (and UNIT for seconds) before its samples', () => {
    const { page } = run(routeScenario());
    const lines = page.split('\n');
    const at = (line: string) => lines.indexOf(line);
    const realDeclaration = CAPTURE.split('\n').filter((line) => line.startsWith('# '));
    assert.deepEqual(
      realDeclaration.map((line) => line.split(' ').slice(0, 2).join(' ')),
      ['# HELP', '# TYPE', '# UNIT'],
    );
    const duration = [
      `# HELP ${DURATION} The time between request completion and response completion.`,
      `# TYPE ${DURATION} histogram`,
      `# UNIT ${DURATION} seconds`,
    ];
    assert.deepEqual(
      duration.map(at).map((index, i, all) => index >= 0 && (i === 0 || index === (all[i - 1] ?? 0) + 1)),
      [true, true, true],
      'HELP, TYPE and UNIT together, in that order',
    );
    const statuses = [`# HELP ${STATUSES} Completed responses.`, `# TYPE ${STATUSES} counter`];
    assert.equal(at(statuses[1] ?? ''), at(statuses[0] ?? '') + 1);
    const firstSample = (name: string) => lines.findIndex((line) => line.startsWith(name));
    assert.ok(at(duration[2] ?? '') < firstSample(`${DURATION}_`));
    assert.ok(at(statuses[1] ?? '') < firstSample(`${STATUSES}_total{`));
    // The real crate writes a histogram as _sum, _count, then the buckets.
    const order = lines.filter((line) => line.startsWith(`${DURATION}_`)).slice(0, 3).map((line) => /^\w+?_(sum|count|bucket)\{/.exec(line)?.[1]);
    assert.deepEqual(order, ['sum', 'count', 'bucket']);
  });

  it('writes Rust f64 bucket bounds, cumulative counts, _count = +Inf, _sum in seconds, each equal to the truth', () => {
    const { sim, samples } = run(routeScenario());
    const truth = sim.truth();
    assert.deepEqual(ROUTE_LATENCY_BUCKETS_MS.map((ms) => formatRustF64(ms / 1000)), ['0.025', '0.05', '0.1', '0.25', '0.5', '1.0', '10.0']);
    for (const leaf of ['web-v1', 'web-v2']) {
      const of = (name: string) => samples.filter((sample) => sample.name === name && sample.labels.backend_name === leaf);
      const buckets = of(`${DURATION}_bucket`);
      assert.deepEqual(buckets.map((sample) => sample.labels.le), ['0.025', '0.05', '0.1', '0.25', '0.5', '1.0', '10.0', '+Inf']);
      for (let i = 1; i < buckets.length; i++) assert.ok((buckets[i]?.value ?? 0) >= (buckets[i - 1]?.value ?? 0), `${leaf} buckets are cumulative`);
      const [count] = of(`${DURATION}_count`);
      const [sum] = of(`${DURATION}_sum`);
      assert.equal(count?.value, buckets.at(-1)?.value, `${leaf}: _count equals the +Inf bucket`);
      const outcomes = truth.select({ kind: 'HTTPRoute', split: 'web-route', leaf });
      assert.ok(outcomes.total > 100, `${leaf} had traffic`);
      assert.equal(count?.value, outcomes.total);
      assert.deepEqual(
        buckets.map((sample) => sample.value),
        outcomes.bucketCounts(latencyBucketsMsOf('HTTPRoute')).map((bucket) => bucket.count),
        `${leaf}: every bucket equals the truth`,
      );
      assert.equal(sum?.value, outcomes.latencySumMs / 1000);
      const statuses = of(`${STATUSES}_total`);
      assert.deepEqual(
        statuses.map((sample) => [sample.labels.http_status, sample.labels.error, sample.value]),
        [
          ['200', '', outcomes.success],
          ['500', '', outcomes.failure],
        ],
      );
      // The same requests are in response_total too, under the leaf's own address.
      const responses = samples.filter((sample) => sample.name === 'response_total' && sample.labels.dst_service === leaf);
      assert.ok(responses.every((sample) => sample.labels.authority === `${leaf}.default.svc.cluster.local:8080`));
      assert.equal(
        responses.reduce((total, sample) => total + sample.value, 0),
        outcomes.total,
      );
    }
    const route = samples.find((sample) => sample.name === `${STATUSES}_total`)?.labels;
    assert.deepEqual(
      [route?.parent_name, route?.parent_port, route?.route_group, route?.route_kind, route?.route_namespace, route?.route_name, route?.backend_port],
      ['web', '8080', 'gateway.networking.k8s.io', 'HTTPRoute', 'default', 'web-route', '8080'],
    );
    // The balancers name the apex as the parent, as for a TrafficSplit.
    const balancers = samples.filter((sample) => sample.name === 'outbound_http_balancer_endpoints' && sample.labels.endpoint_state === 'ready' && sample.labels.parent_name === 'web');
    assert.deepEqual(balancers.map((sample) => sample.labels.backend_name).sort(), ['web-v1', 'web-v2']);
  });

  it('refuses gRPC clients of an HTTPRoute: the route’s HTTP families could not tell their failures', () => {
    assert.throws(() => parseScenarioText(routeScenario({ protocol: 'grpc' })), /gRPC through an HTTPRoute is not simulated/);
  });

  it('names Linkerd’s own HTTPRoute group in route_group', () => {
    const { samples } = run(routeScenario({ apiVersion: 'policy.linkerd.io/v1beta3' }));
    const route = samples.find((sample) => sample.name === `${STATUSES}_total`)?.labels;
    assert.equal(route?.route_group, 'policy.linkerd.io');
  });

  it('writes no route families on pages of clients that called only TrafficSplits', () => {
    const text = routeScenario().replace('    kind: HTTPRoute\n', '');
    const { page } = run(text);
    assert.ok(!page.includes('_route_backend_'));
  });

  it('publishes an HTTPRoute object that splitstat reads as the HTTPRoute split, and follows the schedule', () => {
    const schedule = 'schedule:\n  - { after: 10s, split: default/web-route, backends: { web-v1: 50, web-v2: 50 } }\n';
    const { sim } = run(routeScenario({ extra: schedule }), 5_000);
    const [manifest] = sim.splitManifests();
    assert.deepEqual(manifest, {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'HTTPRoute',
      metadata: { name: 'web-route', namespace: 'default' },
      spec: {
        parentRefs: [{ group: 'core', kind: 'Service', name: 'web', port: 8080 }],
        rules: [
          {
            backendRefs: [
              { name: 'web-v1', port: 8080, weight: 90 },
              { name: 'web-v2', port: 8080, weight: 10 },
            ],
          },
        ],
      },
    });
    const read = normalizeHttpRoute(manifest);
    assert.ok(read.ok);
    const [split] = read.splits;
    assert.deepEqual(
      [split?.kind, split?.key, split?.apex, split?.route, split?.issues, split?.backends.map((backend) => [backend.service, backend.weightRatio])],
      ['HTTPRoute', 'default/web-route:HTTPRoute.gateway.networking.k8s.io', 'web', { group: 'gateway.networking.k8s.io', name: 'web-route' }, [], [['web-v1', 0.9], ['web-v2', 0.1]]],
    );

    const store = new SplitStore();
    const unfeed = feedSimulatedSplits(sim, store);
    assert.deepEqual(store.list().map((one) => one.key), ['default/web-route:HTTPRoute.gateway.networking.k8s.io']);
    sim.advance(10_000);
    assert.deepEqual(store.list()[0]?.backends.map((backend) => backend.weightString), ['50', '50']);
    unfeed();
  });

  it('keeps the truth per split and kind, so a TrafficSplit never gets an HTTPRoute’s requests', () => {
    const withTrafficSplit = routeScenario({ extra: '  - { workload: deployment/other, proxy: stable-2.17, calls: [{ split: api, rps: 20 }] }\n' }).replace(
      '\nclients:',
      '\n  - { name: api, apex: api, backends: [{ service: api-v1, weight: 1 }] }\nclients:',
    );
    const { sim } = run(withTrafficSplit);
    const truth = sim.truth();
    assert.deepEqual(
      truth.leaves().map((leaf) => [leaf.kind, leaf.split, leaf.leaf]),
      [
        ['HTTPRoute', 'web-route', 'web-v1'],
        ['HTTPRoute', 'web-route', 'web-v2'],
        ['TrafficSplit', 'api', 'api-v1'],
      ],
    );
    assert.equal(truth.select({ kind: 'TrafficSplit' }).total, truth.select({ split: 'api' }).total);
    assert.equal(truth.select({ kind: 'HTTPRoute' }).total, truth.select({ apex: 'web' }).total);
    assert.equal(truth.select().total, truth.select({ kind: 'TrafficSplit' }).total + truth.select({ kind: 'HTTPRoute' }).total);
    assert.deepEqual(latencyBucketsMsOf('TrafficSplit').slice(0, 3), [1, 2, 3]);
  });

  it('rejects a call to an HTTPRoute from a client whose proxy cannot route by it', () => {
    const expected = (runs: string) => [
      `clients[0].calls[0].split: default/web-route is an HTTPRoute, which only proxy: stable-2.17 routes by and reports route-backend metrics for (Linkerd 2.16 and later); this client ${runs}`,
    ];
    assert.deepEqual(errorsOf(routeScenario({ proxy: 'stable-2.11' })), expected('runs stable-2.11'));
    assert.deepEqual(errorsOf(routeScenario({ proxy: 'stable-2.8' })), expected('runs stable-2.8'));
    assert.deepEqual(errorsOf(routeScenario().replace('    proxy: stable-2.17\n', '')), expected('runs stable-2.11 and stable-2.8 proxies (no proxy given)'));
  });

  it('lets Istio, OSM and Consul clients call an HTTPRoute, and refuses a Linkerd proxy version on one', () => {
    for (const mesh of ['istio', 'osm', 'consul']) assert.doesNotThrow(() => parseScenarioText(routeScenario().replace('    proxy: stable-2.17\n', `    mesh: ${mesh}\n`)), mesh);
    assert.deepEqual(errorsOf(routeScenario().replace('    proxy: stable-2.17\n', '    proxy: stable-2.17\n    mesh: istio\n')), [
      'clients[0].proxy: names a Linkerd proxy version, and this client runs Istio (mesh: istio): leave proxy out',
    ]);
    assert.deepEqual(errorsOf(routeScenario().replace('    proxy: stable-2.17\n', '    mesh: kuma\n')), ['clients[0].mesh: must be one of linkerd, istio, osm, consul']);
    assert.deepEqual(errorsOf(routeScenario().replace('    proxy: stable-2.17\n', '    mesh: osm\n').replace('protocol: http', 'protocol: grpc')), [
      "clients[0].protocol: is grpc, and this client runs Open Service Mesh: Envoy's cluster counters cannot tell gRPC failures (they answer HTTP 200), so Open Service Mesh clients are simulated over HTTP only",
      "clients[0].calls[0].split: default/web-route is an HTTPRoute, and this client speaks gRPC: gRPC through an HTTPRoute is not simulated (its failures answer HTTP 200, which the route's metrics cannot tell apart)",
    ]);
  });

  it('accepts only Gateway API weights and HTTPRoute versions for an HTTPRoute, in the split and in schedule steps', () => {
    const text = routeScenario();
    assert.deepEqual(errorsOf(text.replace('weight: 90', 'weight: "900m"')), ['splits[0].backends[0].weight: must be a whole number from 0 to 1000000 (an HTTPRoute backendRef weight)']);
    assert.deepEqual(errorsOf(text.replace('weight: 90', 'weight: 1.5')), ['splits[0].backends[0].weight: must be a whole number from 0 to 1000000 (an HTTPRoute backendRef weight)']);
    assert.deepEqual(errorsOf(text.replace('weight: 10', 'weight: 1000001')), ['splits[0].backends[1].weight: must be a whole number from 0 to 1000000 (an HTTPRoute backendRef weight)']);
    assert.doesNotThrow(() => parseScenarioText(text.replace('weight: 10', 'weight: 1000000').replace('weight: 90', 'weight: 0')));
    assert.deepEqual(errorsOf(routeScenario({ apiVersion: 'split.smi-spec.io/v1alpha2' })), [
      'splits[0].apiVersion: an HTTPRoute must be one of gateway.networking.k8s.io/v1, policy.linkerd.io/v1beta3',
    ]);
    assert.deepEqual(errorsOf(text.replace('    kind: HTTPRoute\n', '    kind: HTTPRoute\n    apiVersion: gateway.networking.k8s.io/v1\n').replace('kind: HTTPRoute', 'kind: GRPCRoute')), [
      'splits[0].kind: must be one of TrafficSplit, HTTPRoute',
    ]);
    assert.deepEqual(errorsOf(text.replace('    kind: HTTPRoute\n', '    apiVersion: gateway.networking.k8s.io/v1\n')), [
      'splits[0].apiVersion: a TrafficSplit must be one of split.smi-spec.io/v1alpha1, split.smi-spec.io/v1alpha2, split.smi-spec.io/v1alpha3, split.smi-spec.io/v1alpha4',
    ]);
    const step = (weights: string) => routeScenario({ extra: `schedule:\n  - { after: 10s, split: default/web-route, backends: { ${weights} } }\n` });
    assert.deepEqual(errorsOf(step('web-v1: 500m, web-v2: 1')), ['schedule[0].backends.web-v1: must be a whole number from 0 to 1000000 (an HTTPRoute backendRef weight)']);
    assert.doesNotThrow(() => parseScenarioText(step('web-v1: 1, web-v2: 3')));
    const parsed = parseScenarioText(text);
    assert.deepEqual([parsed.splits[0]?.kind, parsed.splits[0]?.apiVersion], ['HTTPRoute', 'gateway.networking.k8s.io/v1']);
  });

  it('keeps split names unique across kinds, since calls and steps name a split by namespace/name', () => {
    const text = routeScenario().replace('\nclients:', '\n  - { name: web-route, apex: other, backends: [{ service: other-v1, weight: 1 }] }\nclients:');
    assert.deepEqual(errorsOf(text), ['splits[1].name: duplicate split default/web-route (also splits[0])']);
  });
});
