// The simulator in virtual time: determinism, routing, schedule and the ground truth checked
// against what the proxies' pages say. No sockets here (see simulator-http.test.ts).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { GroundTruth } from './ground-truth.js';
import { LATENCY_BUCKETS_MS } from './proxy-counters.js';
import { Simulator } from './simulator.js';
import type { SplitsChange } from './simulator.js';
import { demoOnOlderProxies, manifestApex, manifestBackends, oneSplitScenario, parseSamples, sumBy } from '../../test/helpers/sim.js';
import type { Sample } from '../../test/helpers/sim.js';

const FIXED_CLOCK = () => 1_700_000_000_000;

function simulator(scenario = demoOnOlderProxies()): Simulator {
  return new Simulator({ scenario, now: FIXED_CLOCK });
}

/** Every pod's page, parsed, in one list. */
function scrapeAll(sim: Simulator): Sample[] {
  return sim.clientPods().flatMap((pod) => parseSamples(sim.metricsText(`${pod.namespace}/${pod.pod}`)));
}

/** Outbound split traffic only: the filter every consumer must apply. */
function splitLeafKey(labels: Readonly<Record<string, string>>, sim: Simulator): string | undefined {
  if (labels.direction !== 'outbound' || labels.authority === undefined) return undefined;
  const split = sim.splitManifests().find((manifest) => labels.authority?.startsWith(`${manifestApex(manifest)}.${manifest.metadata.namespace}.svc.`));
  if (split === undefined) return undefined;
  return `${labels.dst_namespace}/${split.metadata.name}/${labels.dst_service}`;
}

/** Sorted `name{sorted labels} value` lines: compares pages whatever their series order. */
function canonical(samples: readonly Sample[]): string[] {
  return samples
    .map((sample) => {
      const labels = Object.entries(sample.labels)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      return `${sample.name}{${labels}} ${sample.value}`;
    })
    .sort();
}

function leafCounts(truth: GroundTruth): Record<string, [number, number]> {
  return Object.fromEntries(truth.leaves().map((leaf) => [`${leaf.namespace}/${leaf.split}/${leaf.leaf}`, [leaf.outcomes.success, leaf.outcomes.failure]]));
}

describe('Simulator in virtual time', () => {
  it('is deterministic: same seed and advances give the same pages and truth', () => {
    const a = simulator();
    const b = simulator();
    for (const step of [1_000, 29_000, 45_500, 100]) {
      a.advance(step);
      b.advance(step);
    }
    for (const pod of a.clientPods()) assert.equal(a.metricsText(pod.pod), b.metricsText(pod.pod));
    assert.deepEqual(leafCounts(a.truth()), leafCounts(b.truth()));
    assert.deepEqual(
      a.truth().series.map((series) => series.latenciesMs()),
      b.truth().series.map((series) => series.latenciesMs()),
    );

    const reseeded = simulator({ ...demoOnOlderProxies(), seed: 43 });
    reseeded.advance(75_600);
    assert.notDeepEqual(leafCounts(reseeded.truth()), leafCounts(a.truth()));
  });

  it('does not depend on how time is chopped into advances', () => {
    const whole = simulator();
    whole.advance(150_000);
    const ticked = simulator();
    for (let i = 0; i < 1_500; i++) ticked.advance(100);
    assert.equal(ticked.elapsedMs, 150_000);
    assert.deepEqual(canonical(scrapeAll(ticked)), canonical(scrapeAll(whole)));
    assert.deepEqual(leafCounts(ticked.truth()), leafCounts(whole.truth()));
  });

  it('issues exactly rps × seconds requests per client pod and call', () => {
    const sim = simulator(oneSplitScenario({ backends: '      - { service: web-v1, weight: 1 }', rps: 2.5, pods: 3 }));
    sim.advance(10_000);
    assert.equal(sim.truth().select().total, 3 * 25);
    sim.advance(399);
    assert.equal(sim.truth().select().total, 3 * 25, 'the next request of each pod is due at 10.4 s');
    sim.advance(1);
    assert.equal(sim.truth().select().total, 3 * 26);
  });

  it('routes by weight / Σ weights', () => {
    // Each request goes to v2 independently with p = 0.1, so over n = 20 000 requests v2's count
    // is Binomial(n, p): mean 2000, standard deviation √(n·p·(1−p)) ≈ 42.4. Five standard
    // deviations (±212) fail a correct router with probability < 1e-6 per seed, while a router
    // that ignored weights (10 000) or inverted them (18 000) is far outside.
    for (const seed of [1, 2, 3, 4, 5]) {
      const sim = simulator(
        oneSplitScenario({
          seed,
          backends: ['      - { service: web-v1, weight: 900m }', '      - { service: web-v2, weight: "100m" }'].join('\n'),
        }),
      );
      sim.advance(200_000);
      const truth = sim.truth();
      assert.equal(truth.select().total, 20_000);
      const v2 = truth.select({ leaf: 'web-v2' }).total;
      assert.ok(Math.abs(v2 - 2_000) <= 5 * Math.sqrt(20_000 * 0.1 * 0.9), `seed ${seed}: web-v2 got ${v2} of 20000`);
    }
  });

  it('sends nothing to a zero weight, and drops requests when every weight is zero', () => {
    const sim = simulator(
      oneSplitScenario({
        backends: ['      - { service: web-v1, weight: 1 }', '      - { service: web-v2, weight: 0 }', '      - { service: web-v3 }'].join('\n'),
        schedule: 'schedule:\n  - { after: 10s, split: default/web, backends: { web-v1: 0, web-v2: "0m" } }\n  - { after: 10s, split: default/web, backends: {} }',
      }),
    );
    sim.advance(30_000);
    const truth = sim.truth();
    assert.equal(truth.select({ leaf: 'web-v1' }).total, 1_000);
    assert.equal(truth.select({ leaf: 'web-v2' }).total, 0);
    assert.equal(truth.select({ leaf: 'web-v3' }).total, 0);
    assert.deepEqual(
      truth.leaves().map((leaf) => leaf.leaf),
      ['web-v1', 'web-v2', 'web-v3'],
      'declared backends are listed even without traffic',
    );
    const [manifest] = sim.splitManifests();
    assert.deepEqual(manifest === undefined ? undefined : manifestBackends(manifest), []);
  });

  it('fails requests at the configured rate, classified per protocol', () => {
    // Failures ~ Binomial(20 000, 0.1): sd ≈ 42.4, and the same five-sd bound as above.
    for (const protocol of ['http', 'grpc'] as const) {
      const sim = simulator(oneSplitScenario({ protocol, backends: '      - { service: web-v1, weight: 1, successRate: 0.9 }' }));
      sim.advance(200_000);
      const { failure } = sim.truth().select();
      assert.ok(Math.abs(failure - 2_000) <= 212, `${protocol}: ${failure} failures`);
      const pod = sim.clientPods()[0]!.pod;
      const failures = parseSamples(sim.metricsText(pod)).filter((s) => s.name === 'response_total' && s.labels.classification === 'failure' && s.labels.direction === 'outbound');
      assert.equal(
        failures.reduce((sum, s) => sum + s.value, 0),
        failure,
      );
      for (const sample of failures) assert.equal(sample.labels.status_code, protocol === 'http' ? '500' : '200');
    }
    const always = simulator(oneSplitScenario({ backends: '      - { service: web-v1, weight: 1, successRate: 1 }' }));
    always.advance(10_000);
    assert.equal(always.truth().select().failure, 0);
    const never = simulator(oneSplitScenario({ backends: '      - { service: web-v1, weight: 1, successRate: 0 }' }));
    never.advance(10_000);
    assert.equal(never.truth().select().success, 0);
  });

  it('draws latencies from a lognormal through p50 and p99', () => {
    const sim = simulator(oneSplitScenario({ backends: '      - { service: web-v1, weight: 1, latency: { p50: 40ms, p99: 200ms } }' }));
    sim.advance(200_000);
    const outcomes = sim.truth().select();
    // With 20 000 samples the sample median's standard error is under 1 % and the p99's a few %;
    // 10 % is a wide margin that still catches a misfitted distribution (e.g. σ off by 2×).
    const p50 = outcomes.quantileMs(0.5) ?? NaN;
    const p99 = outcomes.quantileMs(0.99) ?? NaN;
    assert.ok(Math.abs(p50 - 40) <= 4, `p50 ${p50}`);
    assert.ok(Math.abs(p99 - 200) <= 20, `p99 ${p99}`);
    for (const ms of outcomes.latenciesMs) assert.ok(Number.isInteger(ms) && ms >= 0);

    const constant = simulator(oneSplitScenario({ backends: '      - { service: web-v1, weight: 1, latency: { p50: 123ms, p99: 123ms } }' }));
    constant.advance(5_000);
    assert.deepEqual(new Set(constant.truth().select().latenciesMs), new Set([123]));
  });

  it('applies schedule steps at their exact times; requests at a step instant use the old weights', () => {
    // One request per second: request k is issued at k s. Everything to v1 for the first 30 s,
    // then everything to v2, so v1 gets requests 1..30 (the 30th exactly at the step) and v2 31..60.
    const sim = simulator(
      oneSplitScenario({
        rps: 1,
        backends: ['      - { service: web-v1, weight: 1 }', '      - { service: web-v2, weight: 0 }'].join('\n'),
        schedule: 'schedule:\n  - { after: 30s, split: default/web, backends: { web-v1: 0, web-v2: 1 } }',
      }),
    );
    const changes: SplitsChange[] = [];
    sim.onSplitsChanged((change) => changes.push(change));
    sim.advance(29_999);
    assert.equal(changes.length, 0);
    sim.advance(1);
    assert.equal(changes.length, 1);
    assert.equal(changes[0]?.atMs, 30_000);
    sim.advance(30_000);
    const truth = sim.truth();
    assert.equal(truth.select({ leaf: 'web-v1' }).total, 30);
    assert.equal(truth.select({ leaf: 'web-v2' }).total, 30);
  });

  it('walks the demo schedule, repeating, and routing follows each phase', () => {
    const sim = simulator();
    const changes: SplitsChange[] = [];
    const unsubscribe = sim.onSplitsChanged((change) => changes.push(change));
    const weights = () => {
      const server = sim.splitManifests().find((manifest) => manifest.metadata.name === 'server');
      return server === undefined ? undefined : manifestBackends(server).map((backend) => `${backend.service}=${backend.weight}`).join(' ');
    };
    const phases: [string | undefined, Record<string, number>][] = [];
    let mark = sim.truth();
    for (let phase = 0; phase < 5; phase++) {
      const before = weights();
      sim.advance(30_000);
      const window = sim.truthSince(mark);
      mark = sim.truth();
      phases.push([before, { v1: window.select({ leaf: 'server-v1' }).total, v2: window.select({ leaf: 'server-v2' }).total }]);
    }
    assert.deepEqual(
      phases.map(([w]) => w),
      ['server-v1=950m server-v2=50m', 'server-v1=500m server-v2=500m', 'server-v1=0 server-v2=1', 'server-v2=1', 'server-v1=950m server-v2=50m'],
    );
    assert.deepEqual(
      changes.map((change) => change.atMs),
      [30_000, 60_000, 90_000, 120_000, 150_000],
    );
    assert.deepEqual(changes[0]?.changed, [{ namespace: 'link', name: 'server' }]);
    assert.equal(changes[0]?.manifests.length, 3);
    // Phase windows are (t, t+30s]; a phase's last request (at t+30s exactly) is still routed
    // with that phase's weights, so phases with v1 at weight 0 give it exactly nothing.
    const [p95, p50, zero, alone] = phases.map(([, counts]) => counts);
    assert.equal(zero?.v1, 0);
    assert.equal(alone?.v1, 0);
    assert.ok((p95?.v1 ?? 0) > 10 * (p95?.v2 ?? 0), `95/5 phase: ${JSON.stringify(p95)}`);
    assert.ok(Math.abs((p50?.v1 ?? 0) - (p50?.v2 ?? 0)) < 0.2 * ((p50?.v1 ?? 0) + (p50?.v2 ?? 0)), `50/50 phase: ${JSON.stringify(p50)}`);
    unsubscribe();
    sim.advance(30_000);
    assert.equal(changes.length, 5, 'no events after unsubscribing');
  });

  it('keeps the state consistent when a listener throws', () => {
    const sim = simulator();
    sim.onSplitsChanged(() => {
      throw new Error('listener bug');
    });
    assert.throws(() => sim.advance(45_000), AggregateError);
    assert.equal(sim.elapsedMs, 45_000);
    const [, server] = sim.splitManifests();
    assert.equal(server === undefined ? undefined : manifestBackends(server)[0]?.weight, '500m');

    const reentrant = simulator();
    const seen: unknown[] = [];
    reentrant.onSplitsChanged(() => {
      try {
        reentrant.advance(1);
      } catch (error) {
        seen.push(error);
      }
    });
    reentrant.advance(31_000);
    assert.match(String(seen[0]), /cannot be called from a splits-changed listener/);
    assert.equal(reentrant.elapsedMs, 31_000);
  });

  it('rejects negative and non-finite advances', () => {
    const sim = simulator();
    assert.throws(() => sim.advance(-1), RangeError);
    assert.throws(() => sim.advance(Number.NaN), RangeError);
    assert.throws(() => sim.advance(Infinity), RangeError);
  });

  it('serves counters that equal the ground truth exactly', () => {
    const sim = simulator();
    sim.advance(95_250);
    const samples = scrapeAll(sim);
    const truth = sim.truth();
    const responses = sumBy(samples, 'response_total', (labels) => {
      const leaf = splitLeafKey(labels, sim);
      return leaf === undefined ? undefined : `${leaf} ${labels.classification}`;
    });
    const requests = sumBy(samples, 'request_total', (labels) => splitLeafKey(labels, sim));
    const counts = sumBy(samples, 'response_latency_ms_count', (labels) => splitLeafKey(labels, sim));
    const sums = sumBy(samples, 'response_latency_ms_sum', (labels) => splitLeafKey(labels, sim));
    const buckets = sumBy(samples, 'response_latency_ms_bucket', (labels) => {
      const leaf = splitLeafKey(labels, sim);
      return leaf === undefined ? undefined : `${leaf} ${labels.le}`;
    });
    assert.equal(truth.leaves().length, 6);
    for (const { namespace, split, leaf, outcomes } of truth.leaves()) {
      const key = `${namespace}/${split}/${leaf}`;
      assert.ok(outcomes.total > 0, key);
      assert.equal(responses.get(`${key} success`) ?? 0, outcomes.success, `${key} successes`);
      assert.equal(responses.get(`${key} failure`) ?? 0, outcomes.failure, `${key} failures`);
      assert.equal(requests.get(key), outcomes.total, `${key} requests`);
      assert.equal(counts.get(key), outcomes.total, `${key} latency count`);
      assert.equal(sums.get(key), outcomes.latencySumMs, `${key} latency sum`);
      for (const { le, count } of outcomes.bucketCounts()) {
        assert.equal(buckets.get(`${key} ${le === Infinity ? '+Inf' : String(le)}`), count, `${key} le=${le}`);
      }
    }
    // The demo's failures must exist for this comparison to mean anything.
    assert.ok(truth.select({ leaf: 'server-v2' }).failure > 0);
  });

  it('gives the exact requests between two moments', () => {
    const sim = simulator();
    sim.advance(20_000);
    const mark = sim.truth();
    const before = scrapeAll(sim);
    sim.advance(40_000);
    const window = sim.truthSince(mark);
    assert.equal(window.fromMs, 20_000);
    assert.equal(window.toMs, 60_000);
    assert.equal(window.windowMs, 40_000);
    const after = scrapeAll(sim);
    const count = (samples: Sample[]) => sumBy(samples, 'response_latency_ms_count', (labels) => splitLeafKey(labels, sim));
    const bucket50 = (samples: Sample[]) =>
      sumBy(samples, 'response_latency_ms_bucket', (labels) => (labels.le === '50' ? splitLeafKey(labels, sim) : undefined));
    for (const { namespace, split, leaf, outcomes } of window.leaves()) {
      const key = `${namespace}/${split}/${leaf}`;
      assert.equal((count(after).get(key) ?? 0) - (count(before).get(key) ?? 0), outcomes.total, key);
      assert.equal(outcomes.latenciesMs.length, outcomes.total);
      const within50 = outcomes.latenciesMs.filter((ms) => ms <= 50).length;
      assert.equal((bucket50(after).get(key) ?? 0) - (bucket50(before).get(key) ?? 0), within50, `${key} le=50`);
    }
    // Windows compose: [0,20] + (20,60] = [0,60].
    assert.equal(mark.select().total + window.select().total, sim.truth().select().total);
    assert.equal(window.select({ clientWorkload: 'deployment/web' }).total, window.select({ clientWorkload: 'web' }).total);
    assert.deepEqual(
      window
        .clients()
        .map((client) => `${client.namespace}/${client.kind}/${client.name}`)
        .sort(),
      ['default/deployment/grpc-client', 'default/deployment/web', 'link/deployment/slow-cooker', 'shop/deployment/storefront'],
    );
    assert.equal(
      window.clients().reduce((sum, client) => sum + client.outcomes.total, 0),
      window.select().total,
    );
    assert.throws(() => mark.since(sim.truth()), RangeError);
    assert.throws(() => sim.truth().since(simulator().truth()), /another simulator/);
  });

  it('computes exact quantiles and bucket counts over a window', () => {
    const sim = simulator(oneSplitScenario({ rps: 4, backends: '      - { service: web-v1, weight: 1 }' }));
    sim.advance(1_000);
    const outcomes = sim.truth().select();
    const sorted = [...outcomes.latenciesMs].sort((a, b) => a - b);
    assert.equal(sorted.length, 4);
    assert.equal(outcomes.quantileMs(0.5), sorted[1]);
    assert.equal(outcomes.quantileMs(0.99), sorted[3]);
    assert.equal(outcomes.quantileMs(0), sorted[0]);
    const counts = outcomes.bucketCounts();
    assert.equal(counts.length, LATENCY_BUCKETS_MS.length + 1);
    assert.equal(counts.at(-1)?.count, 4);
    assert.equal(sim.truth().select({ leaf: 'nope' }).quantileMs(0.5), undefined);
    assert.equal(sim.truth().select({ leaf: 'nope' }).successRate, undefined);
  });

  it('restarts a proxy without touching the truth', () => {
    const sim = simulator();
    const pod = sim.clientPods().find((candidate) => candidate.workload.name === 'slow-cooker')!.pod;
    sim.advance(50_000);
    const totalBefore = sim.truth().select().total;
    const podRequests = () =>
      parseSamples(sim.metricsText(pod))
        .filter((s) => s.name === 'request_total' && s.labels.direction === 'outbound' && s.labels.authority?.startsWith('server.link.'))
        .reduce((sum, s) => sum + s.value, 0);
    assert.ok(podRequests() > 0);
    const startTime = () => parseSamples(sim.metricsText(pod)).find((s) => s.name === 'process_start_time_seconds')?.value;
    const oldStart = startTime();

    sim.resetCounters(pod);
    assert.equal(podRequests(), 0);
    assert.equal(parseSamples(sim.metricsText(pod)).filter((s) => s.name === 'response_total').length, 0, 'a fresh proxy has no series yet');
    assert.equal(startTime(), (oldStart ?? 0) + 50);
    assert.equal(sim.truth().select().total, totalBefore);

    const mark = sim.truth();
    sim.advance(10_000);
    assert.equal(podRequests(), sim.truthSince(mark).select({ clientPod: pod }).total);
    assert.throws(() => sim.resetCounters('no-such-pod'), /no client pod named no-such-pod/);
    assert.throws(() => sim.setPodHealth(pod, 'sleepy' as 'ok'), /unknown pod health "sleepy"/);
    sim.resetCounters(`link/${pod}`);
    assert.equal(podRequests(), 0, 'namespace/name addresses a pod too');
  });
});
