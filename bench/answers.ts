// What answering costs at scale: GraphQL `trafficSplits` with every backend's stats for 1,000
// splits, and a /metrics scrape of 1,000 splits × 3 backends, over real HTTP from a real server
// (createApp) holding a minute of scraped traffic for every backend.
// Run: npm run bench:answers -- [--splits N] [--backends n] [--requests n]
//
// Each answer is asked --requests times after a warm-up; wall time (median, 90th percentile) and
// the process' CPU per answer are reported, with a baseline run in the same process on the same
// data: for GraphQL, JSON.stringify of the very answer (what writing it out costs at least); for
// /metrics, prom-client (the npm library splitstat's /metrics is built on) writing a registry of
// plain gauges with as many series as splitstat's page has.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Gauge, Registry } from 'prom-client';
import { createApp } from '../src/api/index.js';
import { commitTraffic, testContext } from '../test/helpers/metrics-state.js';
import { testSplit } from '../test/helpers/splits.js';

interface Options {
  readonly splits: number;
  readonly backends: number;
  readonly requests: number;
}

function parseOptions(argv: readonly string[]): Options {
  const options = { splits: 1000, backends: 3, requests: 20 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], Number(argv[i + 1])];
    if (!(value >= 1)) throw new Error(`${flag ?? ''} needs a number of at least 1 (see the header of bench/answers.ts)`);
    if (flag === '--splits') options.splits = value;
    else if (flag === '--backends') options.backends = value;
    else if (flag === '--requests') options.requests = value;
    else throw new Error(`unknown option ${flag ?? ''}`);
  }
  return options;
}

interface Measured {
  readonly medianMs: number;
  readonly p90Ms: number;
  readonly cpuMs: number;
  readonly bytes: number;
}

async function measure(requests: number, run: () => Promise<number> | number): Promise<Measured> {
  for (let i = 0; i < 3; i++) await run();
  const times: number[] = [];
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    const started = performance.now();
    bytes = await run();
    times.push(performance.now() - started);
  }
  const cpu = process.cpuUsage(cpu0);
  times.sort((a, b) => a - b);
  return {
    medianMs: times[Math.floor(times.length / 2)] ?? Number.NaN,
    p90Ms: times[Math.floor(times.length * 0.9)] ?? Number.NaN,
    cpuMs: (cpu.user + cpu.system) / 1000 / requests,
    bytes,
  };
}

function line(name: string, m: Measured, baseline: Measured): string {
  return `${name.padEnd(44)} median ${m.medianMs.toFixed(1)} ms, p90 ${m.p90Ms.toFixed(1)} ms, CPU ${m.cpuMs.toFixed(1)} ms, ${(m.bytes / 1024 ** 2).toFixed(2)} MiB; baseline CPU ${baseline.cpuMs.toFixed(1)} ms → ${(m.cpuMs / baseline.cpuMs).toFixed(2)}×`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const { ctx, store, window } = testContext();
  const splits = Array.from({ length: options.splits }, (_, i) => {
    const apex = `web-${i}`;
    return testSplit({
      namespace: `team-${i % 20}`,
      name: apex,
      apex,
      backends: Array.from({ length: options.backends }, (_, b) => ({ service: `${apex}-v${b}`, weight: b === 0 ? 80 : 10 })),
    });
  });
  store.replaceAll(splits);
  // A minute of 10 s intervals with traffic on every backend.
  for (let interval = 0; interval < 6; interval++) {
    commitTraffic(
      window,
      interval * 10_000,
      (interval + 1) * 10_000,
      splits.flatMap((split) =>
        split.backends.map((backend, b) => ({
          edge: { apexNamespace: split.namespace, apex: split.apex, leaf: backend.service },
          success: 900 + b,
          failure: 3,
          latencies: [[12, 500], [40, 300], [250, 103 + b]] as const,
        })),
      ),
    );
  }
  const app = createApp({ ...ctx, now: () => 60_000 }, { readiness: [] });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const query = '{ trafficSplits(window: "1m") { namespace name apex backends { service weight weightRatio observedRatio stats { successCount failureCount successRate rps latencyMsP50 latencyMsP95 latencyMsP99 } } } }';
  let answer: unknown;
  const graphql = await measure(options.requests, async () => {
    const response = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    const text = await response.text();
    if (!response.ok) throw new Error(`GraphQL: HTTP ${response.status}: ${text.slice(0, 200)}`);
    answer = JSON.parse(text);
    return text.length;
  });
  const answered = (answer as { data?: { trafficSplits?: unknown[] } }).data?.trafficSplits?.length;
  if (answered !== options.splits) throw new Error(`GraphQL answered ${String(answered)} splits, not ${options.splits}`);
  const stringify = await measure(options.requests, () => JSON.stringify(answer).length);

  let metricsSeries = 0;
  const metrics = await measure(options.requests, async () => {
    const response = await fetch(`${base}/metrics`);
    const text = await response.text();
    if (!response.ok) throw new Error(`/metrics: HTTP ${response.status}`);
    metricsSeries = text.split('\n').filter((row) => row !== '' && !row.startsWith('#')).length;
    return text.length;
  });
  const plain = new Registry();
  const gauge = new Gauge({ name: 'plain_gauge', help: 'A gauge per series of the page.', labelNames: ['namespace', 'trafficsplit', 'backend', 'le'], registers: [plain] });
  for (let i = 0; i < metricsSeries; i++) gauge.set({ namespace: `team-${i % 20}`, trafficsplit: `web-${Math.floor(i / 100)}`, backend: `web-${i}-v0`, le: String(i % 26) }, i);
  const promClient = await measure(options.requests, async () => (await plain.metrics()).length);
  server.close();

  console.log(`${options.splits} splits × ${options.backends} backends, a minute of traffic each; ${options.requests} requests after 3 warm-up ones`);
  console.log(line('GraphQL trafficSplits with stats', graphql, stringify));
  console.log(line(`/metrics (${metricsSeries} series)`, metrics, promClient));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
