// A real Prometheus (Debian package `prometheus`, /usr/bin/prometheus) for integration tests: a
// generated prometheus.yml with static scrape jobs, a throw-away TSDB directory, a loopback port,
// and bounded waits for readiness and for scrapes. Everything here gives up after a deadline, so
// a stuck Prometheus fails a test instead of hanging the suite.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';

export const PROMETHEUS = '/usr/bin/prometheus';

/** One scrape target: where, and the labels the scrape config attaches (like relabelling would). */
export interface StaticTarget {
  /** `host:port`. */
  readonly address: string;
  /** Defaults to /metrics; set per target through `__metrics_path__`. */
  readonly metricsPath?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface ScrapeJob {
  readonly name: string;
  readonly targets: readonly StaticTarget[];
  /**
   * Keep the scraped series' own labels when they clash with target labels. splitstat's series
   * carry the split's `namespace`; without this a target label `namespace` would push it aside
   * into `exported_namespace` (the ServiceMonitor in deploy/ sets honorLabels for that reason).
   */
  readonly honorLabels?: boolean;
}

export interface PrometheusOptions {
  readonly jobs: readonly ScrapeJob[];
  /** Scrape interval of every job; 1s keeps tests short. */
  readonly scrapeIntervalMs?: number;
  /** How long start-up may take until /-/ready answers 200. */
  readonly readyTimeoutMs?: number;
  /** Rules files to load (absolute paths), evaluated at the scrape interval. */
  readonly ruleFiles?: readonly string[];
}

export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Every raw sample of a series in a range (an instant query of a range selector). */
export interface RangeSamples {
  readonly metric: Readonly<Record<string, string>>;
  /** [epoch seconds, value], oldest first. */
  readonly values: readonly (readonly [number, number])[];
}

export interface RunningPrometheus {
  readonly url: string;
  /** An instant query at `time` (epoch ms; default: now). */
  query(promql: string, time?: number): Promise<Sample[]>;
  /** An instant query of a range selector such as `up[1m]`: the raw samples. */
  queryRange(selector: string, time?: number): Promise<RangeSamples[]>;
  /** Scrapes per target of a job so far (`instance` → count). */
  scrapeCounts(job: string): Promise<Map<string, number>>;
  /**
   * Waits until every target of the job has been scraped `more` more times than when called, and
   * was up on the last scrape. Use 2 to be sure a whole scrape began after this call.
   */
  waitForScrapes(job: string, more: number, timeoutMs?: number): Promise<void>;
  /** What Prometheus logged, for failure messages. */
  logs(): string;
  /** SIGTERM, then SIGKILL if it has not exited within a few seconds; removes the data directory. */
  stop(): Promise<void>;
}

/**
 * Why the Prometheus tests cannot run here, or undefined when they can. On CI (CI=true) it is
 * always undefined: there a missing Prometheus must fail the tests (startPrometheus throws),
 * never skip them silently.
 */
export async function prometheusSkipReason(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.CI === 'true') return undefined;
  try {
    await access(PROMETHEUS);
    return undefined;
  } catch {
    return `${PROMETHEUS} is not installed (Debian package "prometheus"; scripts/test.sh installs it)`;
  }
}

/** Host and port of an http URL, and its path, as a static target. */
export function staticTarget(url: string, labels?: Readonly<Record<string, string>>): StaticTarget {
  const parsed = new URL(url);
  return { address: parsed.host, metricsPath: parsed.pathname, ...(labels === undefined ? {} : { labels }) };
}

/** The prometheus.yml for these jobs. */
export function prometheusConfig({ jobs, scrapeIntervalMs = 1000, ruleFiles = [] }: PrometheusOptions): string {
  // Prometheus durations are whole numbers of a unit ("0.5s" is an error), so milliseconds.
  const interval = `${Math.round(scrapeIntervalMs)}ms`;
  return stringify({
    global: { scrape_interval: interval, scrape_timeout: interval, evaluation_interval: interval },
    ...(ruleFiles.length === 0 ? {} : { rule_files: [...ruleFiles] }),
    scrape_configs: jobs.map((job) => ({
      job_name: job.name,
      honor_labels: job.honorLabels ?? false,
      // One static group per target, so that each can carry its own labels.
      static_configs: job.targets.map((target) => ({
        targets: [target.address],
        labels: { ...(target.metricsPath === undefined ? {} : { __metrics_path__: target.metricsPath }), ...target.labels },
      })),
    })),
  });
}

export async function startPrometheus(options: PrometheusOptions): Promise<RunningPrometheus> {
  try {
    await access(PROMETHEUS);
  } catch {
    throw new Error(`${PROMETHEUS} is missing: install the Debian package "prometheus" (scripts/test.sh does)`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'splitstat-prometheus-'));
  const configFile = path.join(dir, 'prometheus.yml');
  await writeFile(configFile, prometheusConfig(options));
  // The port is free when asked; Prometheus binding it a moment later can still lose a race, in
  // which case it exits and the error below shows its log.
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const child = spawn(
    PROMETHEUS,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const append = (chunk: Buffer) => {
    // Enough to explain a failure, without keeping a long run's whole log.
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', (error) => (output += `\nspawn error: ${String(error)}`));

  const stop = async () => {
    await terminate(child, exited);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitUntil(() => isReady(url), options.readyTimeoutMs ?? 30_000, () => child.exitCode !== null || child.signalCode !== null);
    if (child.exitCode !== null || child.signalCode !== null) throw new Error('exited');
  } catch (error) {
    await stop();
    throw new Error(`Prometheus did not become ready (${String(error)}):\n${output}`, { cause: error });
  }

  const ask = async <T extends z.ZodType>(promql: string, time: number, data: T): Promise<z.infer<T>> => {
    const params = new URLSearchParams({ query: promql, time: String(time / 1000) });
    const response = await fetch(`${url}/api/v1/query?${params.toString()}`, { signal: AbortSignal.timeout(10_000) });
    const body: unknown = await response.json();
    const status = queryStatus.safeParse(body);
    if (!status.success) throw new Error(`unexpected answer to ${promql}: ${JSON.stringify(body).slice(0, 500)}`);
    if (status.data.status !== 'success') throw new Error(`query ${promql} failed: ${status.data.error ?? response.status}`);
    const parsed = data.safeParse(status.data.data);
    if (!parsed.success) throw new Error(`unexpected result of ${promql}: ${JSON.stringify(status.data.data).slice(0, 500)}`);
    return parsed.data;
  };

  const query = async (promql: string, time = Date.now()): Promise<Sample[]> =>
    (await ask(promql, time, vectorData)).result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));

  const queryRange = async (selector: string, time = Date.now()): Promise<RangeSamples[]> =>
    (await ask(selector, time, matrixData)).result.map(({ metric, values }) => ({
      metric,
      values: values.map(([at, value]) => [at, Number(value)] as const),
    }));

  const scrapeCounts = async (job: string) => {
    // Counting `up` samples over a range longer than any test counts every scrape so far.
    const samples = await query(`count_over_time(up{job=${JSON.stringify(job)}}[1h])`);
    return new Map(samples.map((sample) => [sample.metric.instance ?? '', sample.value]));
  };

  return {
    url,
    query,
    queryRange,
    scrapeCounts,
    async waitForScrapes(job, more, timeoutMs = 20_000) {
      const targets = options.jobs.find((candidate) => candidate.name === job)?.targets.length;
      if (targets === undefined) throw new Error(`no job ${job}`);
      const before = await scrapeCounts(job);
      await waitUntil(async () => {
        const now = await scrapeCounts(job);
        if (now.size < targets) return false;
        for (const [instance, count] of now) if (count < (before.get(instance) ?? 0) + more) return false;
        const up = await query(`min(up{job=${JSON.stringify(job)}})`);
        return up[0]?.value === 1;
      }, timeoutMs).catch((error: unknown) => {
        throw new Error(`job ${job}: not ${more} more scrapes of all ${targets} targets: ${String(error)}\n${output}`, { cause: error });
      });
    },
    logs: () => output,
    stop,
  };
}

const queryStatus = z.object({ status: z.string(), error: z.string().optional(), data: z.unknown() });

const labels = z.record(z.string(), z.string());

const vectorData = z.object({
  resultType: z.literal('vector'),
  result: z.array(z.object({ metric: labels, value: z.tuple([z.number(), z.string()]) })),
});

const matrixData = z.object({
  resultType: z.literal('matrix'),
  result: z.array(z.object({ metric: labels, values: z.array(z.tuple([z.number(), z.string()])) })),
});

async function isReady(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Polls `check` every 100 ms until it is true; rejects after `timeoutMs` or once `abort` says so. */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, abort: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (abort()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function terminate(child: ChildProcess, exited: Promise<void>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timeout = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
  if ((await Promise.race([exited, timeout(10_000)])) === 'timeout') {
    child.kill('SIGKILL');
    await Promise.race([exited, timeout(5_000)]);
  }
}

/** A port free on 127.0.0.1 right now (for a child process that must be told its port). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => (port === 0 ? reject(new Error('no port')) : resolve(port)));
    });
  });
}
