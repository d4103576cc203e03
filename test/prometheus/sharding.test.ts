// DESIGN.md "Scale": N collector shards summed by Prometheus give the same numbers as one
// scrape-mode process. Three `--shard i/3` services and one unsharded service scrape the same
// simulated proxies; one real Prometheus scrapes all four. Traffic is frozen before comparing,
// so the comparison is exact: every process saw every request of its targets (all of them
// baselined the proxies before the first request) and Prometheus has their final values.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { shardOf } from '../../src/collect/index.js';
import { Simulator, writeSimulatedCluster } from '../../src/sim/index.js';
import type { GroundTruth, SimulatedClusterFiles } from '../../src/sim/index.js';
import { resolveServeConfig, startService } from '../../src/app/index.js';
import type { RunningService } from '../../src/app/index.js';
import { prometheusSkipReason, startPrometheus, staticTarget } from '../helpers/prometheus.js';
import type { RunningPrometheus, Sample } from '../helpers/prometheus.js';
import { LiveTraffic } from './harness.js';
import { prometheusScenario } from './scenario.js';

const skip = await prometheusSkipReason();
const SHARDS = 3;
const TRAFFIC_MS = 6_000;
const GROUP = 'namespace, trafficsplit, backend, classification';

/** Resolves once the service has finished `more` scrape cycles after this call. */
function cycles(service: RunningService, more: number, timeoutMs = 15_000): Promise<void> {
  let seen = 0;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`${service.url}: not ${more} scrape cycles in ${timeoutMs} ms`));
    }, timeoutMs);
    const unsubscribe = service.engine.onCycle(() => {
      if (++seen < more) return;
      clearTimeout(timer);
      unsubscribe();
      resolve();
    });
  });
}

const grouped = (samples: readonly Sample[]) =>
  new Map(samples.map(({ metric, value }) => [`${metric.namespace}/${metric.trafficsplit}/${metric.backend}/${metric.classification}`, value]));

describe('sharded collectors summed by Prometheus', { skip, timeout: 60_000 }, () => {
  let dir: string;
  let sim: Simulator;
  let files: SimulatedClusterFiles;
  const services: RunningService[] = [];
  let single: RunningService;
  let prometheus: RunningPrometheus;
  /** Scrapes only the shards, as in production (the API's own /metrics is not scraped). */
  let shardsOnly: RunningPrometheus;
  let truth: GroundTruth;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'splitstat-shards-'));
    sim = new Simulator({ scenario: prometheusScenario() });
    await sim.start();
    files = await writeSimulatedCluster(sim, dir);
    const start = (shard?: string) =>
      startService(
        resolveServeConfig({
          flags: { listen: '127.0.0.1:0', splits: files.splitsDir, targets: files.targetsFile, scrapeInterval: '1s', scrapeTimeout: '900ms', ...(shard === undefined ? {} : { shard }) },
        }),
      );
    // Each waits for its first cycle (the baseline of every proxy) before any traffic exists.
    const starting = [...Array.from({ length: SHARDS }, (_, index) => start(`${index}/${SHARDS}`)), start()];
    for (const service of await Promise.all(starting)) services.push(service);
    single = services[SHARDS]!;
    await Promise.all(services.map((service) => cycles(service, 1)));

    // As a ServiceMonitor would: a target label `namespace` (where splitstat runs) that must not
    // replace the split's namespace on splitstat's series, hence honor_labels.
    const job = (name: string, list: readonly RunningService[]) => ({
      name,
      honorLabels: true,
      targets: list.map((service, index) => staticTarget(`${service.url}/metrics`, { namespace: 'splitstat', pod: `${name}-${index}` })),
    });
    [prometheus, shardsOnly] = await Promise.all([
      startPrometheus({ jobs: [job('shards', services.slice(0, SHARDS)), job('single', [single])] }),
      startPrometheus({ jobs: [job('shards', services.slice(0, SHARDS))] }),
    ]);

    // increase() counts from each series' first sample: Prometheus must have seen the zeros.
    await Promise.all([prometheus.waitForScrapes('shards', 1), prometheus.waitForScrapes('single', 1), shardsOnly.waitForScrapes('shards', 1)]);
    const mark = sim.truth();
    const traffic = new LiveTraffic(sim);
    traffic.start();
    await new Promise((resolve) => setTimeout(resolve, TRAFFIC_MS));
    traffic.stop();
    truth = sim.truthSince(mark);
    // Two cycles: at least one began after the freeze, so every process has the final counts;
    // then two Prometheus scrapes of each, for the same reason.
    await Promise.all(services.map((service) => cycles(service, 2)));
    await Promise.all([prometheus.waitForScrapes('shards', 2), prometheus.waitForScrapes('single', 2), shardsOnly.waitForScrapes('shards', 2)]);
  });

  after(async () => {
    await prometheus?.stop();
    await shardsOnly?.stop();
    await Promise.all(services.map((service) => service.close()));
    await files?.close();
    await sim?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('gives every shard some of the pods, and each pod to one shard', () => {
    const sizes = Array.from({ length: SHARDS }, (_, index) => sim.targets().filter((target) => shardOf(target, SHARDS) === index).length);
    assert.ok(sizes.every((size) => size > 0), `shard sizes ${sizes.join(', ')}`);
    assert.equal(sizes.reduce((a, b) => a + b, 0), sim.targets().length);
  });

  it('sums the shards to exactly what one unsharded process counted', async () => {
    const sharded = grouped(await prometheus.query(`sum by (${GROUP}) (trafficsplit_backend_responses_total{job="shards"})`));
    const whole = grouped(await prometheus.query(`sum by (${GROUP}) (trafficsplit_backend_responses_total{job="single"})`));
    assert.ok(whole.size >= 8, `two splits × two backends × two classifications, got ${[...whole.keys()].join(', ')}`);
    assert.deepEqual(sharded, whole);
    // No shard exports a series twice or under another namespace: honor_labels kept the split's.
    const exported = await prometheus.query('count(trafficsplit_backend_responses_total{exported_namespace!=""})');
    assert.deepEqual(exported, []);
  });

  it('matches the simulator’s exact truth', async () => {
    const sharded = grouped(await prometheus.query(`sum by (${GROUP}) (trafficsplit_backend_responses_total{job="shards"})`));
    for (const leaf of truth.leaves()) {
      assert.equal(sharded.get(`${leaf.namespace}/${leaf.split}/${leaf.leaf}/success`), leaf.outcomes.success, `${leaf.namespace}/${leaf.split}/${leaf.leaf}`);
      assert.equal(sharded.get(`${leaf.namespace}/${leaf.split}/${leaf.leaf}/failure`), leaf.outcomes.failure, `${leaf.namespace}/${leaf.split}/${leaf.leaf}`);
    }
  });

  it('sums latency histograms the same way', async () => {
    const query = (job: string) => `sum by (namespace, trafficsplit, backend, le) (trafficsplit_backend_response_latency_seconds_bucket{job="${job}"})`;
    const key = (samples: readonly Sample[]) => new Map(samples.map(({ metric, value }) => [`${metric.namespace}/${metric.trafficsplit}/${metric.backend}/${metric.le}`, value]));
    const [sharded, whole] = await Promise.all([prometheus.query(query('shards')), prometheus.query(query('single'))]);
    assert.ok(whole.length > 0);
    assert.deepEqual(key(sharded), key(whole));
  });

  it('has each shard count exactly the requests of its own pods', async () => {
    const perShard = new Map((await prometheus.query('sum by (pod) (trafficsplit_backend_responses_total{job="shards"})')).map(({ metric, value }) => [metric.pod, value]));
    for (let index = 0; index < SHARDS; index++) {
      const mine = sim.targets().filter((target) => shardOf(target, SHARDS) === index);
      const expected = mine.reduce((total, target) => total + truth.select({ clientNamespace: target.namespace, clientPod: target.pod }).total, 0);
      assert.equal(perShard.get(`shards-${index}`), expected, `shard ${index}/${SHARDS}: ${mine.map((target) => target.pod).join(', ')}`);
    }
  });

  it('serves through prometheus mode over the shards’ series what the scrape-mode process serves', async () => {
    const api = await startService(
      resolveServeConfig({ flags: { listen: '127.0.0.1:0', splits: files.splitsDir, source: 'prometheus', prometheusUrl: shardsOnly.url, prometheusSchema: 'splitstat' } }),
    );
    try {
      const ask = async (service: RunningService) => {
        const response = await fetch(`${service.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ trafficSplits(window: "1m") { namespace name backends { service stats { successCount failureCount } } } }' }),
        });
        const body = (await response.json()) as { data?: { trafficSplits: { namespace: string; name: string; backends: { service: string; stats: { successCount: number; failureCount: number } | null }[] }[] }; errors?: unknown };
        assert.equal(body.errors, undefined, JSON.stringify(body.errors));
        return new Map((body.data?.trafficSplits ?? []).flatMap((split) => split.backends.map((b) => [`${split.namespace}/${split.name}/${b.service}`, b.stats] as const)));
      };
      const [viaPrometheus, scraped] = await Promise.all([ask(api), ask(single)]);
      assert.ok(scraped.size >= 4);
      for (const [key, stats] of scraped) {
        const requests = (s: { successCount: number; failureCount: number } | null | undefined) => (s?.successCount ?? 0) + (s?.failureCount ?? 0);
        // increase() starts from each series' first sample (0: idle backends are exported at zero
        // before traffic) and extrapolates past the last sample by at most ~1.1 scrape intervals
        // of the average rate: never less than the truth (less 1 for per-series rounding), at most
        // interval/sampled-span more (1 s over ≥ 8 s here, so 15 % with margin).
        const exact = requests(stats);
        const answered = requests(viaPrometheus.get(key));
        assert.ok(answered >= exact - 1 && answered <= exact * 1.15 + 1, `${key}: prometheus mode ${answered} vs scraped ${exact}`);
      }
    } finally {
      await api.close();
    }
  });
});
