// Query cost at scale: 1,000 TrafficSplits × 3 backends in a simulated Linkerd mesh, scraped by a
// real Prometheus (1 s interval). Measures, in one process against one Prometheus:
//   1. PrometheusStatSource (two queries per batch of splits) vs Linkerd viz's own approach (one
//      split after another, its four queries at once), both at the same evaluation instant,
//      after checking that they return the same numbers;
//   2. GraphQL latency of the scrape-mode service over the same simulated pods and manifests.
// Run: node --import tsx bench/query.ts [rounds=3] [graphqlQueries=50] [proxy]
// `proxy` (stable-2.11 by default, or stable-2.17) is the clients' Linkerd proxy: on 2.17 the
// PromQL carries the 2.13+ parts, and the per-split baseline is the generation-aware reference
// (Linkerd's own queries find nothing on such a mesh).
//
// The mesh is wide rather than busy: few client pods, each calling a hundred splits at a low rate,
// because the cost under test grows with the number of splits and series, not with request volume.
import { deepStrictEqual } from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';
import type { TrafficSplit } from '../src/splits/index.js';
import { normalizeTrafficSplit } from '../src/splits/index.js';
import { PrometheusClient } from '../src/promql/index.js';
import { linkerdBatchQueries, linkerdQuerySchema, SPLIT_LABEL } from '../src/mesh/index.js';
import { PrometheusStatSource } from '../src/stats/index.js';
import type { InstantQuerier, PrometheusStatQuery, SplitStats } from '../src/stats/index.js';
import { Simulator, parseScenarioText, writeSimulatedCluster } from '../src/sim/index.js';
import type { SimulatedClusterFiles } from '../src/sim/index.js';
import { resolveServeConfig, startService } from '../src/app/index.js';
import type { RunningService } from '../src/app/index.js';
import { linkerdPerSplitStats } from '../test/helpers/linkerd-per-split.js';
import { startPrometheus, staticTarget } from '../test/helpers/prometheus.js';
import type { RunningPrometheus, ScrapeJob } from '../test/helpers/prometheus.js';

const NAMESPACES = 10;
const SPLITS_PER_NAMESPACE = 100;
const CLIENT_PODS_PER_NAMESPACE = 1;
/** Per split per client pod: enough that (nearly) every backend has requests in the window. */
const RPS_PER_CALL = 1.5;
/** Seconds of scraped traffic before the PromQL comparison. */
const TRAFFIC_SECONDS = 18;
const WINDOW = '1m';
const WINDOW_MS = 60_000;
const JOB = 'linkerd-proxy';

const rounds = positiveInt(process.argv[2], 3);
const graphqlQueries = positiveInt(process.argv[3], 50);
const proxy = process.argv[4] ?? 'stable-2.11';
if (proxy !== 'stable-2.11' && proxy !== 'stable-2.17') throw new Error(`proxy must be stable-2.11 or stable-2.17, got ${JSON.stringify(proxy)}`);
const baseline = proxy === 'stable-2.11' ? 'per-split (Linkerd)' : 'per-split (reference)';

function positiveInt(text: string | undefined, fallback: number): number {
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`expected a positive whole number, got ${JSON.stringify(text)}`);
  return value;
}

/** The scenario as YAML text, so it goes through the same loader as a user's file. */
function scenarioYaml(): string {
  const splits: unknown[] = [];
  const clients: unknown[] = [];
  for (let n = 0; n < NAMESPACES; n++) {
    const namespace = `bench-${n}`;
    const calls: unknown[] = [];
    for (let s = 0; s < SPLITS_PER_NAMESPACE; s++) {
      const apex = `svc-${s}`;
      splits.push({
        namespace,
        name: apex,
        apex,
        backends: [
          // A little failure and distinct latencies, so both classifications and every quantile
          // carry real numbers into the comparison.
          { service: `${apex}-v1`, weight: 50, pods: 1, successRate: 0.99, latency: { p50: '10ms', p99: '60ms' } },
          { service: `${apex}-v2`, weight: 30, pods: 1, successRate: 0.97, latency: { p50: '20ms', p99: '120ms' } },
          { service: `${apex}-v3`, weight: 20, pods: 1, successRate: 0.95, latency: { p50: '30ms', p99: '250ms' } },
        ],
      });
      calls.push({ split: `${namespace}/${apex}`, rps: RPS_PER_CALL });
    }
    clients.push({ namespace, workload: 'deployment/caller', pods: CLIENT_PODS_PER_NAMESPACE, proxy, calls });
  }
  return stringify({ seed: 7, splits, clients });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/** Nearest-rank percentile. */
function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const sleep = (delayMs: number) => new Promise((resolve) => setTimeout(resolve, delayMs));

/**
 * What must agree between the two approaches: every row `stat ts` prints, and each split's total
 * counts (Linkerd asked no latency over a whole split, so its totals have counts only).
 */
function numbersOf(stats: readonly SplitStats[]): unknown[] {
  return stats.map(({ split, total, rows }) => ({
    split: `${split.namespace}/${split.name}`,
    total: total === null ? null : [total.successCount, total.failureCount],
    rows,
  }));
}

/** Counts rows that have stats, so the comparison is known not to be between two empty answers. */
function rowsWithStats(stats: readonly SplitStats[]): number {
  return stats.reduce((count, entry) => count + entry.rows.filter((row) => row.stats !== null).length, 0);
}

interface GraphQLAnswer {
  readonly data?: { readonly trafficSplits?: readonly { readonly backends: readonly { readonly stats: unknown }[] }[] };
  readonly errors?: unknown;
}

async function graphql(url: string, query: string): Promise<GraphQLAnswer> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ query }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`GraphQL answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  return (await response.json()) as GraphQLAnswer;
}

async function main(): Promise<void> {
  const started = performance.now();
  const log = (line: string) => console.log(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  const sim = new Simulator({ scenario: parseScenarioText(scenarioYaml()) });
  let prometheus: RunningPrometheus | undefined;
  let service: RunningService | undefined;
  let files: SimulatedClusterFiles | undefined;
  let dir: string | undefined;
  try {
    await sim.start();
    const splits: TrafficSplit[] = sim.splitManifests().map((manifest) => {
      const result = normalizeTrafficSplit(manifest);
      if (!result.ok) throw new Error(`simulated split is not a TrafficSplit: ${result.error}`);
      return result.split;
    });
    const backends = splits.reduce((count, split) => count + split.backends.length, 0);
    log(`simulated mesh: ${splits.length} TrafficSplits, ${backends} backends, ${sim.targets().length} client pods`);

    // Labelled as linkerd-viz's relabelling would label proxies (namespace, pod, owner).
    const job: ScrapeJob = {
      name: JOB,
      honorLabels: false,
      targets: sim.targets().map((target) =>
        staticTarget(target.url, {
          namespace: target.namespace,
          pod: target.pod,
          ...(target.workload === undefined ? {} : { [target.workload.kind]: target.workload.name }),
        }),
      ),
    };
    prometheus = await startPrometheus({ jobs: [job], scrapeIntervalMs: 1000 });
    await prometheus.waitForScrapes(JOB, 1);
    sim.run(100);
    log(`Prometheus ${prometheus.url} scraping; ${TRAFFIC_SECONDS} s of traffic`);
    await sleep(TRAFFIC_SECONDS * 1000);
    await prometheus.waitForScrapes(JOB, 2);
    const series = await prometheus.query(`count({job="${JOB}"})`);
    log(`Prometheus holds ${series[0]?.value ?? 0} series of the proxies`);

    // One instant, a few seconds back, for every query: every scrape up to it has been ingested,
    // and later scrapes lie after it, so both approaches read exactly the same samples.
    const instant = Date.now() - 3000;
    // The pods go down until scrape mode needs them: with nothing to ingest and no traffic to
    // generate, the two cores belong to the queries being timed. Samples after the instant
    // (failed scrapes, staleness markers) do not change what is read at the instant.
    await sim.stop();
    const client = new PrometheusClient({ url: prometheus.url, timeoutMs: 60_000 });
    // Per kind of query: how many were sent and the slowest one, to show where an approach
    // spends its time.
    const perKind = new Map<string, { count: number; slowestMs: number }>();
    const counting: InstantQuerier = {
      async query(promql, options) {
        const begin = performance.now();
        const samples = await client.query(promql, options);
        const what = promql.startsWith('histogram_quantile') ? 'quantiles' : promql.includes('response_latency_ms_bucket') ? 'bucket rates' : 'counts';
        const kind = `${what}, ${promql.includes(SPLIT_LABEL) ? 'batched' : 'per split'}`;
        const entry = perKind.get(kind) ?? { count: 0, slowestMs: 0 };
        entry.count++;
        entry.slowestMs = Math.max(entry.slowestMs, performance.now() - begin);
        perKind.set(kind, entry);
        return samples;
      },
    };
    const batchedSource = new PrometheusStatSource({ client: counting, schema: 'linkerd', now: () => instant });
    const approaches: { readonly name: string; readonly stats: (query: PrometheusStatQuery) => Promise<SplitStats[]>; readonly times: number[] }[] = [
      { name: 'batched', stats: (query) => batchedSource.stats(query), times: [] },
      {
        name: baseline,
        stats: (query) => linkerdPerSplitStats(counting, query, { timeMs: instant, queries: proxy === 'stable-2.11' ? 'linkerd' : 'generations' }),
        times: [],
      },
    ];
    const query = { splits, window: { text: WINDOW, ms: WINDOW_MS } };
    const answers: SplitStats[][] = [];
    for (const approach of approaches) {
      const warm = performance.now();
      answers.push(await approach.stats(query));
      log(`warm-up ${approach.name}: ${ms(performance.now() - warm)}`);
    }
    for (const [kind, { count, slowestMs }] of perKind) log(`warm-up ${kind}: ${count} queries, slowest ${ms(slowestMs)}`);
    const [batchedAnswer, perSplitAnswer] = answers;
    if (batchedAnswer === undefined || perSplitAnswer === undefined) throw new Error('missing answers');
    const withStats = rowsWithStats(batchedAnswer);
    // Two empty answers would agree trivially; a backend may still see no request by chance.
    if (withStats < backends * 0.95) throw new Error(`only ${withStats} of ${backends} backend rows have stats; too little traffic for a fair comparison`);
    deepStrictEqual(numbersOf(perSplitAnswer), numbersOf(batchedAnswer), 'batched and per-split queries disagree');
    log(`both approaches agree on all ${backends} backend rows (${withStats} with stats)`);

    // Alternating rounds, so drift on the machine (Prometheus compaction, GC) hits both alike.
    for (let round = 0; round < rounds; round++) {
      for (const approach of approaches) {
        const begin = performance.now();
        const answer = await approach.stats(query);
        approach.times.push(performance.now() - begin);
        deepStrictEqual(numbersOf(answer), numbersOf(batchedAnswer), `${approach.name} answered differently in round ${round + 1}`);
      }
      log(`round ${round + 1}: ${approaches.map((approach) => `${approach.name} ${ms(approach.times.at(-1) ?? 0)}`).join(', ')}`);
    }
    const batchedMs = median(approaches[0]?.times ?? []);
    const perSplitMs = median(approaches[1]?.times ?? []);

    // The floor of any exact plan: every p50/p95/p99 needs every bucket series' irate once.
    // Here Prometheus only selects and counts them, batch by batch as the batched plan asks,
    // and has nothing to sum, label or send back.
    // With 2.13+ proxies a batch selects its apexes' series and each apex's leaf series.
    const leafNaming = proxy !== 'stable-2.11';
    const bucketSelections = linkerdQuerySchema()
      .batches(splits, leafNaming ? 1 : 0)
      .map((batch) => [...linkerdBatchQueries(batch, { range: WINDOW }, leafNaming).buckets.matchAll(/irate\(response_latency_ms_bucket\{.*?\}\[[^\]]+\]\)/g)].map((match) => match[0]).join(' or '));
    if (bucketSelections.some((selection) => selection === '')) throw new Error('no bucket selector in the batched query');
    const floorTimes: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const begin = performance.now();
      await Promise.all(bucketSelections.map((selection) => client.query(`count(${selection})`, { timeMs: instant })));
      floorTimes.push(performance.now() - begin);
    }
    const floorMs = median(floorTimes);
    log(`floor (bucket series selected and counted once): ${ms(floorMs)}`);

    // Scrape mode reads the proxies itself, so Prometheus would only compete for the two cores.
    await prometheus.stop();
    prometheus = undefined;

    // Back up on new ports, with the counters where they were; traffic resumes.
    await sim.start();
    sim.run(100);
    dir = await mkdtemp(path.join(tmpdir(), 'splitstat-bench-query-'));
    files = await writeSimulatedCluster(sim, dir);
    service = await startService(
      resolveServeConfig({
        flags: { listen: '127.0.0.1:0', splits: files.splitsDir, targets: files.targetsFile, scrapeInterval: '1s', scrapeTimeout: '900ms' },
      }),
    );
    let cycles = 0;
    const unsubscribe = service.engine.onCycle(() => void cycles++);
    const cyclesWanted = 5;
    const cycleDeadline = Date.now() + 30_000;
    while (cycles < cyclesWanted) {
      if (Date.now() > cycleDeadline) throw new Error(`only ${cycles} scrape cycles in 30 s`);
      await sleep(100);
    }
    unsubscribe();
    log(`scrape-mode service ${service.url} has run ${cycles} scrape cycles`);

    const text = `{ trafficSplits(window: "${WINDOW}") { backends { stats { rps successRate latencyMsP99 } } } }`;
    const check = await graphql(service.url, text);
    if (check.errors !== undefined) throw new Error(`GraphQL errors: ${JSON.stringify(check.errors).slice(0, 500)}`);
    const returned = check.data?.trafficSplits ?? [];
    const graphqlBackends = returned.reduce((count, split) => count + split.backends.length, 0);
    const graphqlWithStats = returned.reduce((count, split) => count + split.backends.filter((backend) => backend.stats !== null).length, 0);
    if (returned.length !== splits.length) throw new Error(`GraphQL returned ${returned.length} splits, expected ${splits.length}`);
    const latencies: number[] = [];
    for (let i = 0; i < graphqlQueries; i++) {
      const begin = performance.now();
      const answer = await graphql(service.url, text);
      latencies.push(performance.now() - begin);
      if (answer.errors !== undefined) throw new Error(`GraphQL errors: ${JSON.stringify(answer.errors).slice(0, 500)}`);
    }
    log(`${graphqlQueries} GraphQL queries done`);

    console.log('');
    console.log('summary');
    console.log(`  mesh                      ${splits.length} TrafficSplits × 3 backends, ${sim.targets().length} client pods, ${series[0]?.value ?? 0} Prometheus series`);
    console.log(`  PromQL stats(), window ${WINDOW}, same instant, idle Prometheus, median of ${rounds}:`);
    console.log(`    batched                 ${ms(batchedMs)}`);
    console.log(`    ${baseline.padEnd(24)}${ms(perSplitMs)}`);
    console.log(`    speed-up                ${(perSplitMs / batchedMs).toFixed(1)}× (answers identical: ${backends} backend rows)`);
    console.log(`    floor                   ${ms(floorMs)} (every bucket series read once, nothing returned)`);
    console.log(`    best possible speed-up  ${(perSplitMs / floorMs).toFixed(1)}× for any plan that reads them once`);
    console.log(`  scrape-mode GraphQL trafficSplits(window: "${WINDOW}"), ${graphqlQueries} sequential queries:`);
    console.log(`    p50                     ${ms(percentile(latencies, 50))}`);
    console.log(`    p99                     ${ms(percentile(latencies, 99))}`);
    console.log(`    backends with stats     ${graphqlWithStats} of ${graphqlBackends}`);
  } finally {
    await service?.close();
    await files?.close();
    await prometheus?.stop();
    await sim.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }
}

await main();
