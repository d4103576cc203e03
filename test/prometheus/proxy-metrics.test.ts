// A real Prometheus scraping the simulated Linkerd proxies directly, labelled as linkerd-viz
// labels them: the PromQL a `--source prometheus` splitstat runs sees what the simulator really
// sent. Raw counters must match the truth exactly; increase() over a window may not, and the
// tolerance below says by how much and why.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeTrafficSplit } from '../../src/splits/index.js';
import { PrometheusClient } from '../../src/promql/index.js';
import { PrometheusStatSource } from '../../src/stats/index.js';
import { writeSimulatedCluster } from '../../src/sim/index.js';
import type { GroundTruth } from '../../src/sim/index.js';
import { runCli } from '../../src/cli/index.js';
import { assertSameNumbers, linkerdPerSplitStats } from '../helpers/linkerd-per-split.js';
import { prometheusSkipReason } from '../helpers/prometheus.js';
import { startPrometheusMesh } from './harness.js';
import type { PrometheusMesh } from './harness.js';
import { prometheusScenario } from './scenario.js';

const skip = await prometheusSkipReason();
const TRAFFIC_MS = 8_000;
const SELECTOR = 'direction="outbound",authority=~"^backend-service.default.svc.*"';

describe('Prometheus scraping simulated Linkerd proxies', { skip, timeout: 60_000 }, () => {
  let mesh: PrometheusMesh;
  let truth: GroundTruth;

  before(async () => {
    mesh = await startPrometheusMesh({ scenario: prometheusScenario() });
    truth = await mesh.recordTraffic(TRAFFIC_MS);
  });

  after(async () => {
    await mesh?.close();
  });

  const expected = () => {
    const rows = new Map<string, number>();
    for (const leaf of ['backend-v1', 'backend-v2']) {
      const outcomes = truth.select({ namespace: 'default', split: 'backend-service', leaf });
      rows.set(`${leaf}/success`, outcomes.success);
      rows.set(`${leaf}/failure`, outcomes.failure);
    }
    return rows;
  };

  const byServiceAndClass = (samples: { metric: Readonly<Record<string, string>>; value: number }[]) =>
    new Map(samples.map((sample) => [`${sample.metric.dst_service}/${sample.metric.classification}`, sample.value]));

  it('adds the pod labels linkerd-viz adds, and keeps the proxies own', async () => {
    const pods = await mesh.prometheus.query(`count by (namespace, pod, deployment, statefulset) (response_total{${SELECTOR}})`);
    const names = new Set(pods.map(({ metric }) => `${metric.namespace}/${metric.pod}/${metric.deployment ?? ''}${metric.statefulset ?? ''}`));
    const callers = mesh.sim.targets().filter((target) => target.namespace !== 'batch');
    assert.deepEqual(names, new Set(callers.map((target) => `${target.namespace}/${target.pod}/${target.workload?.name ?? ''}`)));
  });

  it('has exactly the simulated requests in the raw counters', async () => {
    const samples = await mesh.prometheus.query(`sum by (dst_service, classification) (response_total{${SELECTOR}})`);
    assert.deepEqual(byServiceAndClass(samples), expected());
  });

  it('gives increase() over 1m between the truth less what Prometheus never saw and its extrapolation above it', async () => {
    // The window holds every sample of the run (the run is shorter than 1m). increase() takes
    // last − first sample per series, which after the freeze is the truth less what the series
    // had counted at its first sample (requests before Prometheus first saw it): the hard lower
    // bound. It then only scales that up (extrapolation): towards the window's start by at most
    // half the average interval between samples (less where the counter would reach zero), and
    // towards the evaluation instant by at most 1.1 average intervals. Over a series sampled for
    // about 10 s that can add 15 %, so the upper bound is computed per series from its own
    // samples rather than guessed. Rare series (failures, born at each pod's first failure to a
    // backend pod, a handful of requests each) lose most of their count: PromQL success rates
    // over young series lean optimistic, while raw sums are exact.
    const at = Date.now();
    const samples = await mesh.prometheus.query(`sum(increase(response_total{${SELECTOR}}[1m])) by (dst_service, classification)`, at);
    const unseen = new Map<string, number>();
    const extrapolated = new Map<string, number>();
    for (const series of await mesh.prometheus.queryRange(`response_total{${SELECTOR}}[1m]`, at)) {
      const key = `${series.metric.dst_service}/${series.metric.classification}`;
      const [first, last] = [series.values[0], series.values.at(-1)];
      if (first === undefined || last === undefined) continue;
      unseen.set(key, (unseen.get(key) ?? 0) + first[1]);
      const sampled = last[0] - first[0];
      const interval = series.values.length > 1 ? sampled / (series.values.length - 1) : 0;
      const most = sampled > 0 ? (last[1] - first[1]) * ((sampled + 1.6 * interval) / sampled) : 0;
      extrapolated.set(key, (extrapolated.get(key) ?? 0) + most);
    }
    const measured = byServiceAndClass(samples);
    const detail = [...expected()]
      .map(([key, want]) => {
        const got = measured.get(key) ?? 0;
        const pct = want === 0 ? '-' : ((100 * (got - want)) / want).toFixed(1);
        return `${key}: ${got.toFixed(1)} vs ${want} (${pct} %, ${unseen.get(key) ?? 0} before the first samples, at most ${(extrapolated.get(key) ?? 0).toFixed(1)})`;
      })
      .join('; ');
    console.log(`increase()[1m] vs truth: ${detail}`);
    for (const [key, want] of expected()) {
      const got = measured.get(key) ?? 0;
      assert.ok(got >= want - (unseen.get(key) ?? 0) - 1e-9 && got <= (extrapolated.get(key) ?? 0) + 1e-9, detail);
    }
    // The busy series is close to the truth: within its extrapolation (under 16 %) either way.
    const busiest = measured.get('backend-v1/success') ?? 0;
    const busiestTruth = expected().get('backend-v1/success') ?? 0;
    assert.ok(Math.abs(busiest - busiestTruth) <= 0.16 * busiestTruth, detail);
  });

  it("answers batched exactly what Linkerd's per-split queries answer, quantiles by Prometheus' histogram_quantile included", async () => {
    // One instant for both, while traffic still flowed (after it, irate() sees no change and
    // every quantile is NaN) and long enough ago that every sample up to it is stored.
    assert.ok(mesh.lastTraffic !== undefined);
    const timeMs = mesh.lastTraffic.stopMs - 1500;
    const splits = mesh.sim.splitManifests().map((manifest) => {
      const result = normalizeTrafficSplit(manifest);
      assert.ok(result.ok);
      return result.split;
    });
    const client = new PrometheusClient({ url: mesh.prometheus.url });
    const query = { splits, window: { text: '1m', ms: 60_000 } };
    const batched = await new PrometheusStatSource({ client, now: () => timeMs }).stats(query);
    const reference = await linkerdPerSplitStats(client, query, { timeMs, totals: true });
    assertSameNumbers(batched, reference);
    const latencies = batched.flatMap((entry) => entry.rows.map((row) => row.stats?.latencyMsP95 ?? 0));
    assert.ok(latencies.filter((value) => value > 0).length >= 3, `real quantiles compared: ${latencies.join(', ')}`);
  });

  it('lets `stat ts --prometheus` print the simulated traffic (linkerd viz PromQL, batched)', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'splitstat-stat-prometheus-'));
    try {
      const files = await writeSimulatedCluster(mesh.sim, dir);
      let stdout = '';
      let stderr = '';
      const code = await runCli(['node', 'splitstat', 'stat', 'ts', '-A', '-o', 'json', '--prometheus', mesh.prometheus.url, '--manifests', files.splitsDir], {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
        env: {},
      });
      await files.close();
      assert.equal(code, 0, stderr);
      const rows = JSON.parse(stdout) as { namespace: string; name: string; leaf: string; rps: number | null; success: number | null; latency_ms_p50: number | null }[];
      const busiest = rows.find((row) => row.name === 'backend-service' && row.leaf === 'backend-v1');
      const truthV1 = truth.select({ namespace: 'default', split: 'backend-service', leaf: 'backend-v1' });
      // rps × 60 s is increase() over 1m after Linkerd's per-series rounding: the busy leaf lands
      // within the 5 % measured above (plus one request per series of rounding).
      assert.ok(busiest?.rps != null, stdout);
      const requests = busiest.rps * 60;
      assert.ok(Math.abs(requests - truthV1.total) <= 0.05 * truthV1.total + 4, `${requests} requests vs ${truthV1.total}`);
      assert.ok(busiest.latency_ms_p50 !== null && busiest.latency_ms_p50 >= 0);
      // Every backend that served requests has numbers; the JSON covers every split of the scenario.
      for (const leaf of truth.leaves()) {
        const row = rows.find((r) => r.namespace === leaf.namespace && r.name === leaf.split && r.leaf === leaf.leaf);
        assert.ok(row !== undefined, `${leaf.namespace}/${leaf.split}/${leaf.leaf} printed`);
        if (leaf.outcomes.success > 20) assert.ok(row.rps !== null, `${leaf.leaf} has numbers`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

