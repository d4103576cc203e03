// The demo scenario served for real: simulated proxies and manifest files → `splitstat serve`'s
// service → GraphQL, `stat ts -A -o json` and /metrics, each checked against the simulator's
// ground truth and against each other. Time is virtual so the numbers can be compared exactly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLinkerdAdapter, ISTIO_LATENCY_BUCKETS_MS } from '../../src/mesh/index.js';
import { histogramQuantile } from '../../src/window/index.js';
import { builtinScenario, Simulator, writeSimulatedCluster } from '../../src/sim/index.js';
import type { GroundTruth, SimulatedClusterFiles } from '../../src/sim/index.js';
import { resolveServeConfig, startService } from '../../src/app/index.js';
import type { RunningService } from '../../src/app/index.js';
import { runCli } from '../../src/cli/index.js';
import { promtoolCheck } from '../helpers/promtool.js';
import { manifestBackends } from '../helpers/sim.js';

const INTERVAL_MS = 10_000;
const ADAPTER = createLinkerdAdapter();
/** The histogram bounds a split's latency is read from: an HTTPRoute's route-backend family has its own. */
/** The histogram a split's clients keep: the demo's shop namespace runs Istio, the rest Linkerd. */
const boundsOf = ({ kind, namespace }: { kind: string; namespace: string }): readonly number[] =>
  (namespace === 'shop' ? ISTIO_LATENCY_BUCKETS_MS : kind === 'HTTPRoute' ? (ADAPTER.routeLatencyBucketsMs ?? ADAPTER.latencyBucketsMs) : ADAPTER.latencyBucketsMs).slice(0, -1);

interface JsonRow {
  namespace: string;
  kind: string;
  name: string;
  success: number | null;
  rps: number | null;
  latency_ms_p50: number | null;
  latency_ms_p95: number | null;
  latency_ms_p99: number | null;
  apex: string;
  leaf: string;
  weight: string;
}

interface GraphQLBackend {
  service: string;
  weight: string;
  weightRatio: number | null;
  observedRatio: number | null;
  stats: { successCount: number; failureCount: number; successRate: number; rps: number; latencyMsP50: number; latencyMsP95: number; latencyMsP99: number; windowSeconds: number } | null;
}

const QUERY = `query($window: String) {
  trafficSplits(window: $window) {
    namespace name kind apex
    backends { service weight weightRatio observedRatio stats { successCount failureCount successRate rps latencyMsP50 latencyMsP95 latencyMsP99 windowSeconds } }
  }
}`;

/** Go's math.Round, as the table and JSON print latencies. */
const roundHalfAway = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

describe('serve end to end: demo scenario → service → GraphQL, stat ts, /metrics', () => {
  let now = 1_750_000_000_000;
  let sim: Simulator;
  let dir: string;
  let files: SimulatedClusterFiles;
  let service: RunningService;
  let truth: GroundTruth;

  before(async () => {
    sim = new Simulator({ scenario: builtinScenario(), now: () => now });
    await sim.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-e2e-'));
    files = await writeSimulatedCluster(sim, dir);
    const config = resolveServeConfig({ flags: { listen: '127.0.0.1:0', splits: files.splitsDir, targets: files.targetsFile } });
    service = await startService(config, { now: () => now, autoScrape: false });
    await service.engine.runCycle(); // baseline
    const mark = sim.truth();
    // 65 s of traffic: the link/server split moves from 950m/50m to 500m/500m at 30 s and to 0/1 at
    // 60 s; the default/web-route HTTPRoute from 80/20 to 50/50 at 60 s.
    for (let i = 0; i < 6; i++) {
      sim.advance(INTERVAL_MS);
      now += INTERVAL_MS;
      await service.engine.runCycle();
    }
    truth = sim.truthSince(mark);
    // Weight changes reach the service through the watched manifest files.
    const byName = (entries: [string, string[]][]) => JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const expected = byName(sim.splitManifests().map((m) => [`${m.metadata.namespace}/${m.metadata.name}`, manifestBackends(m).map((b) => String(b.weight))]));
    const deadline = Date.now() + 10_000;
    const weights = () => byName(service.ctx.store.list().map((split) => [`${split.namespace}/${split.name}`, split.backends.map((b) => b.weightString)]));
    while (weights() !== expected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(weights(), expected, 'the service sees the current weights');
  });

  after(async () => {
    await service?.close();
    await files?.close();
    await sim?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function graphql(): Promise<{ namespace: string; name: string; kind: string; apex: string; backends: GraphQLBackend[] }[]> {
    const response = await fetch(`${service.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY, variables: { window: '1m' } }),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { data?: { trafficSplits: { namespace: string; name: string; kind: string; apex: string; backends: GraphQLBackend[] }[] }; errors?: unknown };
    assert.equal(body.errors, undefined);
    return body.data?.trafficSplits ?? [];
  }

  async function statJson(): Promise<JsonRow[]> {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['node', 'splitstat', 'stat', 'ts', '-A', '-o', 'json', '--server', service.url], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
    });
    assert.equal(code, 0, stderr);
    return JSON.parse(stdout) as JsonRow[];
  }

  it('is ready once splits are loaded and a scrape cycle ran', async () => {
    assert.equal((await fetch(`${service.url}/healthz`)).status, 200);
    const ready = await fetch(`${service.url}/readyz`);
    assert.equal(ready.status, 200, await ready.text());
  });

  it('GraphQL equals the ground truth', async () => {
    const splits = await graphql();
    assert.deepEqual(splits.map((s) => `${s.namespace}/${s.name} ${s.kind}`), ['default/backend-service TrafficSplit', 'default/web-route HTTPRoute', 'link/server TrafficSplit', 'shop/checkout TrafficSplit']);
    for (const split of splits) {
      const apexTotal = truth.select({ namespace: split.namespace, apex: split.apex }).total;
      for (const backend of split.backends) {
        const where = `${split.namespace}/${split.name}/${backend.service}`;
        const leaf = truth.select({ namespace: split.namespace, split: split.name, leaf: backend.service });
        assert.ok(leaf.total > 0, `${where} had traffic in the window`);
        assert.ok(backend.stats !== null, where);
        assert.equal(backend.stats.successCount, leaf.success, `${where} successes`);
        assert.equal(backend.stats.failureCount, leaf.failure, `${where} failures`);
        assert.equal(backend.stats.windowSeconds, 60);
        assert.equal(backend.stats.rps, leaf.total / 60, `${where} rps`);
        const buckets = leaf.bucketCounts(boundsOf(split));
        assert.equal(backend.stats.latencyMsP50, histogramQuantile(0.5, buckets), `${where} p50`);
        assert.equal(backend.stats.latencyMsP99, histogramQuantile(0.99, buckets), `${where} p99`);
        assert.equal(backend.observedRatio, leaf.total / apexTotal, `${where} observed share`);
      }
    }
  });

  it('`stat ts -A -o json` agrees with GraphQL and with the ground truth', async () => {
    const rows = await statJson();
    // `stat ts` shows TrafficSplits; HTTPRoutes have `stat httproute`.
    const splits = (await graphql()).filter((split) => split.kind === 'TrafficSplit');
    const expected = splits
      .flatMap((split) =>
        split.backends.map((backend) => ({
          namespace: split.namespace,
          kind: 'trafficsplit',
          name: split.name,
          success: backend.stats?.successRate ?? null,
          rps: backend.stats?.rps ?? null,
          latency_ms_p50: backend.stats === null ? null : roundHalfAway(backend.stats.latencyMsP50),
          latency_ms_p95: backend.stats === null ? null : roundHalfAway(backend.stats.latencyMsP95),
          latency_ms_p99: backend.stats === null ? null : roundHalfAway(backend.stats.latencyMsP99),
          apex: split.apex,
          leaf: backend.service,
          weight: backend.weight,
        })),
      )
      .sort((a, b) => (`${a.namespace}/${a.name}/${a.leaf}` < `${b.namespace}/${b.name}/${b.leaf}` ? -1 : 1));
    assert.deepEqual(rows, expected);
    for (const row of rows) {
      const leaf = truth.select({ namespace: row.namespace, split: row.name, leaf: row.leaf });
      assert.equal(row.success, leaf.success / leaf.total);
      assert.equal(row.rps, leaf.total / 60);
    }
    assert.deepEqual(rows.filter((row) => row.namespace === 'link').map((row) => `${row.leaf}=${row.weight}`), ['server-v1=0', 'server-v2=1']);
  });

  it('/metrics passes promtool and counts what the proxies served', async () => {
    const response = await fetch(`${service.url}/metrics`);
    assert.equal(response.status, 200);
    const text = await response.text();
    const { code, output } = await promtoolCheck(text);
    assert.equal(output.trim(), '');
    assert.equal(code, 0);
    const all = sim.truth();
    const v2 = all.select({ namespace: 'link', split: 'server', leaf: 'server-v2' });
    // Lifetime counters include the baseline interval's nothing and everything after it.
    const line = text.split('\n').find((l) => l.startsWith('trafficsplit_backend_responses_total{') && l.includes('backend="server-v2"') && l.includes('classification="failure"'));
    assert.ok(line !== undefined, 'a failure counter for server-v2');
    const sinceBaseline = truth.select({ namespace: 'link', split: 'server', leaf: 'server-v2' });
    assert.equal(Number(line.split(' ').pop()), sinceBaseline.failure);
    assert.ok(v2.failure >= sinceBaseline.failure);
  });
});
