// Scrape cost side by side: splitstat's embedded scrape mode against a real Prometheus, both
// scraping the same simulated fleet of Linkerd proxies, measured in the same run.
// Run: npm run bench:scrape -- [--quick] [--sizes 100,1000] [--json results.json]
//
// For every fleet size N: N simulated proxies (bench/fleet.ts, each a real HTTP server on its own
// loopback address, served by separate processes) whose pages carry the traffic of TrafficSplits
// written to a manifest directory. Then, one after the other (never at once: they would compete
// for the same cores), Prometheus and `splitstat serve` scrape all N pods at the same interval and
// timeout; after warm-up cycles, each one's CPU time (utime + stime of /proc/<pid>/stat) is read
// over M cycles, and its resident memory at the end. The ratios splitstat/Prometheus are what
// this bench is for; absolute numbers depend on the machine.
//
// Each tool's window is M whole intervals, and nothing asks it anything until the window is over.
// Prometheus spreads each target's scrapes over the interval, so any such window holds M scrapes
// of every target; splitstat's cycles start on the interval, so a window that starts just after
// one ends (its /metrics counts cycles) holds the M cycles after it. Where splitstat's cycles
// outlast the interval, its window goes on until the M-th has ended, so each is measured whole.
// splitstat is given --max-series-total above its default when the fleet's series need more, so
// that both tools keep everything they read. A run that crashes, outgrows the machine's memory
// (less than 1 GiB left) or exceeds its time bound is reported as failed with why, and the bench
// moves on.
//
// Options (full mode: sizes 100,1000, interval 10s, 20 warm-up + 18 measured cycles):
//   --quick                  sizes 100,300, interval 2s, 1 warm-up + 6 measured cycles (about 2 min)
//   --sizes a,b,…            fleet sizes (pods)
//   --authorities n          outbound authorities (split apexes) per page (default 7: ~385 KiB)
//   --interval s             scrape interval in seconds (timeout: 90 % of it)
//   --warmup n, --cycles n   cycles before and during measurement
//   --pods-per-worker n      pods per fleet process (default 1000)
//   --port n                 every pod's admin port (default 4191)
//   --workloads n            targets name their Deployment (pods spread over n of them); by
//                            default they name none, and splitstat counts every pod as its own client
//   --no-gzip                pods ignore Accept-Encoding (the proxy gzips when asked, so default on)
//   --no-build               use dist/ as it is (by default `npm run build` runs first when
//                            a file of src/ is newer than dist/main.js)
//   --json path              also write the results as JSON
//   --splitstat-only         leave Prometheus out (to profile splitstat; no ratios)
//   --no-floor               leave out the Node.js floor (bench/floor-scraper.ts: fetch and
//                            inflate every page, nothing more), which by default runs third
//   --floor-identify         the floor also tells each line's series exactly (compared byte for
//                            byte with the one its target listed there last time) and turns its
//                            value into an increase: the least an exact scraper does per line
//   --floor-scan             the floor also reads every sample's value (each line found, its
//                            digits read): the least any scraper using the values does
// Environment: BENCH_NODE_ARGS, Node options for splitstat's process (e.g. `--cpu-prof
// --cpu-prof-dir=/tmp/profile` to see where its time goes); BENCH_LOG_DIR, a directory where
// each tool's whole output is written (<tool>.log; e.g. with BENCH_NODE_ARGS=--trace-gc).
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { DEFAULT_SCRAPE_CONCURRENCY } from '../src/collect/index.js';
import { startFleet, stopChild, withFileLimit } from './fleet.js';
import { CLOCK_TICK, comm, cpuSeconds, statusBytes } from './proc.js';
import type { Fleet, FleetPod } from './fleet.js';
import { linkerdSplitPage } from './proxy-payload.js';
import { freePort } from '../test/helpers/prometheus.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const PROMETHEUS = '/usr/bin/prometheus';
/** splitstat's --max-series-total default: raised only when a fleet's split series need more. */
const DEFAULT_MAX_SERIES_TOTAL = 2_000_000;
const GOALS = { cpuRatio: 0.25, rssRatio: 0.25, rssBytes: 1024 ** 3 } as const;
/** Below this much available memory a run is stopped: the machine would start killing processes. */
const MIN_AVAILABLE_BYTES = 1024 ** 3;

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  readonly quick: boolean;
  readonly sizes: readonly number[];
  readonly authorities: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;
  readonly warmup: number;
  readonly cycles: number;
  readonly podsPerWorker: number;
  readonly port: number;
  /** Client Deployments the pods belong to (0: none given, every pod is its own client). */
  readonly workloads: number;
  readonly gzip: boolean;
  readonly build: boolean;
  readonly json: string | undefined;
  /** Runs splitstat alone (for profiling it; no ratios). */
  readonly splitstatOnly: boolean;
  /** Also measures the Node.js floor (bench/floor-scraper.ts). */
  readonly floor: boolean;
  /** The floor also reads every sample's value. */
  readonly floorScan: boolean;
  /** The floor also tells each line's series and turns its value into an increase. */
  readonly floorIdentify: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  const valued = new Set(['sizes', 'authorities', 'interval', 'warmup', 'cycles', 'pods-per-worker', 'port', 'workloads', 'json']);
  const switches = new Set(['quick', 'no-gzip', 'no-build', 'splitstat-only', 'no-floor', 'floor-scan', 'floor-identify']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const name = match?.[1];
    if (name === undefined) throw new Error(`unexpected argument ${JSON.stringify(arg)} (see the options at the top of bench/scrape.ts)`);
    if (switches.has(name)) flags.add(name);
    else if (valued.has(name)) {
      const value = match?.[2] ?? argv[++i];
      if (value === undefined) throw new Error(`--${name} needs a value`);
      values.set(name, value);
    } else throw new Error(`unknown option --${name} (see the options at the top of bench/scrape.ts)`);
  }
  const quick = flags.has('quick');
  const whole = (name: string, fallback: number, min = 1): number => {
    const text = values.get(name);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name}: expected a whole number ≥ ${min}, got ${JSON.stringify(text)}`);
    return value;
  };
  const sizesText = values.get('sizes');
  const sizes = sizesText === undefined ? (quick ? [100, 300] : [100, 1000]) : sizesText.split(',').map((text) => Number(text.trim()));
  if (sizes.length === 0 || sizes.some((size) => !Number.isInteger(size) || size < 1)) throw new Error(`--sizes: expected whole numbers, e.g. 100,1000, got ${JSON.stringify(sizesText)}`);
  const intervalText = values.get('interval');
  const intervalSeconds = intervalText === undefined ? (quick ? 2 : 10) : Number(intervalText);
  if (!Number.isFinite(intervalSeconds) || intervalSeconds < 1) throw new Error(`--interval: expected seconds ≥ 1, got ${JSON.stringify(intervalText)}`);
  const intervalMs = Math.round(intervalSeconds * 1000);
  return {
    quick,
    sizes,
    authorities: whole('authorities', 7),
    intervalMs,
    // As a Prometheus scrape config would have it: a little below the interval.
    timeoutMs: Math.round(intervalMs * 0.9),
    // Twenty in full mode, for every tool alike: a Node.js process is still compiling its hot
    // functions for the first 20 to 25 cycles (`--trace-opt`: those called about once a page are
    // optimised only after some thousands of calls, 1–16 ms of compiling each), and V8's memory
    // reducer runs its first full collections a few seconds after the second cycle, once and for
    // all. Four left 11–16 ms of that start-up in every cycle of a 10-cycle window at 100
    // pods (BENCHMARKS.md).
    warmup: whole('warmup', quick ? 1 : 20, 0),
    cycles: whole('cycles', quick ? 6 : 18),
    podsPerWorker: whole('pods-per-worker', 1000),
    port: whole('port', 4191),
    workloads: whole('workloads', 0, 0),
    gzip: !flags.has('no-gzip'),
    build: !flags.has('no-build'),
    json: values.get('json'),
    splitstatOnly: flags.has('splitstat-only'),
    floor: !flags.has('no-floor') && !flags.has('splitstat-only'),
    floorScan: flags.has('floor-scan'),
    floorIdentify: flags.has('floor-identify'),
  };
}

/** A duration both Prometheus and splitstat (Go syntax) read: whole seconds when it is some. */
function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

// ---------------------------------------------------------------------------------------------
// Child processes: every one is tracked, and killed on every way out of this process.

const children = new Set<ChildProcess>();
const tempDirs = new Set<string>();

function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/** Synchronous, so that it also works from the 'exit' event. */
function killEverything(): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

let cleaningUp = false;
async function cleanUpAndExit(code: number, why: string): Promise<never> {
  if (!cleaningUp) {
    cleaningUp = true;
    if (why !== '') console.error(`\n${why}: stopping every process started and removing temporary files`);
    // Politely first (Prometheus flushes, splitstat closes its server), then for sure.
    await Promise.all([...children].map((child) => stopChild(child, 3000)));
    killEverything();
  }
  process.exit(code);
}

process.on('exit', killEverything);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => void cleanUpAndExit(signal === 'SIGINT' ? 130 : 143, `got ${signal}`));
}
process.on('uncaughtException', (error) => void cleanUpAndExit(1, `bench failed: ${error.stack ?? String(error)}`));
process.on('unhandledRejection', (error) => void cleanUpAndExit(1, `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));

interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves when the process has exited, for whatever reason. */
  readonly exited: Promise<void>;
  /** How it exited, once it has. */
  exitStatus(): string | undefined;
  /** Its last lines of output, for telling why something failed. */
  logTail(lines?: number): string;
}

function startProcess(name: string, argv: readonly string[], onLine?: (line: string) => void): Running {
  const { command, args } = withFileLimit(argv);
  const child = spawn(command, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  track(child);
  const tail: string[] = [];
  let status: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      status = signal === null ? `exit code ${code}` : `signal ${signal}`;
      resolve();
    });
  });
  child.once('error', (error) => {
    status = `could not start: ${error.message}`;
    tail.push(status);
  });
  const logDir = process.env['BENCH_LOG_DIR'];
  const logFile = logDir === undefined ? undefined : path.join(logDir, `${name}.log`);
  if (logDir !== undefined) mkdirSync(logDir, { recursive: true });
  for (const stream of [child.stdout, child.stderr]) {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      if (logFile !== undefined) appendFileSync(logFile, chunk);
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        tail.push(line);
        onLine?.(line);
      }
      // A long run's whole log is not needed, only enough to explain a failure.
      if (tail.length > 400) tail.splice(0, tail.length - 200);
    });
  }
  if (child.pid === undefined) throw new Error(`${name}: could not start ${argv.join(' ')}`);
  return {
    name,
    child,
    pid: child.pid,
    exited,
    exitStatus: () => status,
    logTail: (lines = 15) => tail.slice(-lines).join('\n'),
  };
}

// ---------------------------------------------------------------------------------------------
// /proc

function availableMemory(): number {
  const match = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return match === null ? Number.POSITIVE_INFINITY : Number(match[1]) * 1024;
}

/**
 * Why dist/ must be rebuilt (a source newer than the last build), or undefined when it is up to
 * date. tsc rewrites every output file, so dist/main.js's time is the last build's.
 */
function staleBuild(): string | undefined {
  let built: number;
  try {
    built = statSync(path.join(REPO, 'dist', 'main.js')).mtimeMs;
  } catch {
    return 'no dist/main.js yet';
  }
  const inputs = ['package.json', 'tsconfig.json', 'tsconfig.build.json'].map((file) => path.join(REPO, file));
  for (const entry of readdirSync(path.join(REPO, 'src'), { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) inputs.push(path.join(entry.parentPath, entry.name));
  }
  const newer = inputs.find((file) => statSync(file).mtimeMs > built);
  return newer === undefined ? undefined : `${path.relative(REPO, newer)} changed since the last build`;
}

/**
 * Which splitstat was measured: the commit, whether src/ differed from it, and when dist/ was
 * built. Read-only (no optional locks: not even git's index refresh is written).
 */
function measuredBuild(): { commit: string; srcModified: boolean; builtAt: string } | undefined {
  try {
    const git = (...args: string[]): string => execFileSync('git', ['--no-optional-locks', '-C', REPO, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return {
      commit: git('rev-parse', 'HEAD'),
      srcModified: git('status', '--porcelain', '--', 'src') !== '',
      builtAt: statSync(path.join(REPO, 'dist', 'main.js')).mtime.toISOString(),
    };
  } catch {
    // Not a git checkout (a tarball): the results just do not say.
    return undefined;
  }
}

function fileLimit(): number {
  const hard = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  return hard === 'unlimited' ? 1_048_576 : Number(hard);
}

// ---------------------------------------------------------------------------------------------
// Waiting, bounded

/**
 * Stops a tool's run the moment something makes its numbers meaningless or would make the bench
 * hang: the process exited, the machine runs out of memory, or the run took far too long. Also
 * watches the process's memory every second, so a run that ends badly still tells how big the
 * process had grown, and how far it had come (`progress`).
 */
class Guard {
  readonly #controller = new AbortController();
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #started = Date.now();
  /** Last resident memory seen, and the most. */
  rssBytes = Number.NaN;
  peakRssBytes = Number.NaN;
  /** What the run had reached, for the failure message (e.g. "3120 of 5000 targets up"). */
  progress = 'starting';

  constructor(running: Running, deadlineMs: number) {
    void running.exited.then(() =>
      this.fail(`${running.name} exited (${running.exitStatus() ?? 'unknown'})${fatalLine(running.logTail(40))}`, `its last log lines:\n${indent(running.logTail())}`),
    );
    this.#timers.push(
      setInterval(() => {
        try {
          // A process killed but not yet reaped has no memory lines: keep what was seen last.
          const rss = statusBytes(running.pid, 'VmRSS');
          const peak = statusBytes(running.pid, 'VmHWM');
          if (Number.isFinite(rss)) this.rssBytes = rss;
          if (Number.isFinite(peak)) this.peakRssBytes = peak;
        } catch {
          // Gone: the exit handler tells why.
        }
        const available = availableMemory();
        if (available < MIN_AVAILABLE_BYTES) {
          this.fail(`stopped: the machine had only ${mib(available)} MiB of memory left`);
          // At once: a polite stop could take long enough for the kernel to start killing.
          running.child.kill('SIGKILL');
        }
      }, 1000),
      setTimeout(() => this.fail(`${running.name} run did not finish within ${Math.round(deadlineMs / 1000)} s`), deadlineMs),
    );
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Ends the run: `reason` is one line, `details` (a log excerpt) may follow it. */
  fail(reason: string, details?: string): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(new Error(`${reason} ${this.#where()}${details === undefined ? '' : `\n${details}`}`));
  }

  /** Why the run failed: what stopped it, else the error it threw. */
  why(error: unknown): string {
    return this.#controller.signal.aborted ? (this.#controller.signal.reason as Error).message : `${errorText(error)} ${this.#where()}`;
  }

  #where(): string {
    return `[after ${Math.round((Date.now() - this.#started) / 1000)} s, ${this.progress}, RSS ${mib(this.rssBytes)} MiB]`;
  }

  dispose(): void {
    for (const timer of this.#timers) clearTimeout(timer);
  }
}

/** The line of a crashed process's output that says why (V8's heap limit, a Go panic), if any. */
function fatalLine(tail: string): string {
  const line = tail.split('\n').find((text) => /FATAL ERROR|out of memory|^panic:|^fatal error:/i.test(text));
  return line === undefined ? '' : `: ${line.trim()}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Polls `check` every `everyMs` until it returns a value other than undefined; throws after `timeoutMs`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs: number, signal: AbortSignal): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s`);
    await sleep(everyMs, signal);
  }
}

async function httpText(url: string, timeoutMs = 5000): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, text: await response.text() };
}


// ---------------------------------------------------------------------------------------------
// Measuring one tool

interface ToolResult {
  readonly tool: 'prometheus' | 'splitstat' | 'node-floor';
  readonly ok: boolean;
  /** Why the run stopped early, or what was off (cycles slower than the interval). */
  readonly problem?: string;
  /** Seconds from start until every target had been scraped (splitstat: ready). */
  readonly startupSeconds: number;
  readonly cycles: number;
  readonly windowSeconds: number;
  readonly cpuSeconds: number;
  readonly cpuPerCycle: number;
  readonly rssBytes: number;
  readonly peakRssBytes: number;
  readonly targets: number;
  readonly targetsUp: number;
  /** The fleet's own CPU per cycle while this tool scraped it (not counted against anyone). */
  readonly fleetCpuPerCycle: number;
  /** splitstat only: mean cycle duration over the measured cycles. */
  readonly cycleSeconds?: number;
  readonly details: Readonly<Record<string, number | string>>;
}

interface SizeContext {
  readonly options: Options;
  readonly pods: readonly FleetPod[];
  readonly fleet: Fleet;
  readonly dir: string;
  readonly splitsDir: string;
  readonly targetsFile: string;
  readonly readSeries: number;
  readonly say: (line: string) => void;
}

function fleetCpu(fleet: Fleet): number {
  let sum = 0;
  for (const pid of fleet.pids) sum += cpuSeconds(pid);
  return sum;
}

/**
 * The longest a scrape cycle over `pods` targets is waited for: the interval, or more for a fleet
 * whose cycles take longer (a tool that cannot keep up is still measured, over fewer cycles'
 * time, rather than given up on).
 */
function cycleAllowance(options: Options, pods: number): number {
  return Math.max(options.intervalMs, pods * 25);
}

/** Start-up (first cycle included), warm-up and measurement, each with room to be slow. */
function guardDeadline(options: Options, pods: number): number {
  return 180_000 + (options.warmup + options.cycles + 3) * cycleAllowance(options, pods) * 2;
}

/** A tool left out (--splitstat-only). */
function notRun(tool: ToolResult['tool']): ToolResult {
  return {
    tool,
    ok: false,
    problem: 'not run (--splitstat-only)',
    startupSeconds: Number.NaN,
    cycles: 0,
    windowSeconds: 0,
    cpuSeconds: Number.NaN,
    cpuPerCycle: Number.NaN,
    rssBytes: Number.NaN,
    peakRssBytes: Number.NaN,
    targets: 0,
    targetsUp: 0,
    fleetCpuPerCycle: Number.NaN,
    details: {},
  };
}

/** A run that ended early: the memory is the last seen before it ended. */
function failedResult(tool: ToolResult['tool'], guard: Guard, error: unknown): ToolResult {
  return {
    tool,
    ok: false,
    problem: guard.why(error),
    startupSeconds: Number.NaN,
    cycles: 0,
    windowSeconds: 0,
    cpuSeconds: Number.NaN,
    cpuPerCycle: Number.NaN,
    rssBytes: guard.rssBytes,
    peakRssBytes: guard.peakRssBytes,
    targets: 0,
    targetsUp: 0,
    fleetCpuPerCycle: Number.NaN,
    details: {},
  };
}

async function runPrometheus(ctx: SizeContext): Promise<ToolResult> {
  const { options, pods } = ctx;
  const dir = path.join(ctx.dir, 'prometheus');
  mkdirSync(dir);
  const configFile = path.join(dir, 'prometheus.yml');
  writeFileSync(
    configFile,
    stringify({
      global: { scrape_interval: duration(options.intervalMs), scrape_timeout: duration(options.timeoutMs), evaluation_interval: '1m' },
      scrape_configs: [
        {
          job_name: 'linkerd-proxy',
          // One group per pod, so each target carries its namespace and pod as relabelling would.
          static_configs: pods.map((pod) => ({ targets: [pod.address], labels: { namespace: pod.namespace, pod: pod.pod } })),
        },
      ],
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const running = startProcess('prometheus', [
    PROMETHEUS,
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${path.join(dir, 'data')}`,
    '--storage.tsdb.retention.time=1h',
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
  ]);
  const guard = new Guard(running, guardDeadline(options, pods.length));
  const { signal } = guard;
  const query = async (promql: string): Promise<number | undefined> => {
    const { text } = await httpText(`${url}/api/v1/query?${new URLSearchParams({ query: promql }).toString()}`, 20_000);
    // The HTTP API's answer: {"status":"success","data":{"resultType":"vector","result":[{"value":[t,"v"]}]}}
    const answer = JSON.parse(text) as { status?: string; data?: { result?: { value?: [number, string] }[] } };
    const value = answer.status === 'success' ? answer.data?.result?.[0]?.value?.[1] : undefined;
    return value === undefined ? undefined : Number(value);
  };
  try {
    guard.progress = 'not ready';
    await until('Prometheus ready', async () => ((await httpText(`${url}/-/ready`, 1000)).status === 200 ? true : undefined), 60_000, 250, signal);
    if (comm(running.pid) !== 'prometheus') throw new Error(`pid ${running.pid} is ${comm(running.pid)}, not prometheus`);
    ctx.say(`prometheus: ready after ${seconds(Date.now() - started)} s, waiting for all ${pods.length} targets to be up`);
    await until(
      `all ${pods.length} targets up in Prometheus`,
      async () => {
        const up = (await query('count(up == 1)')) ?? 0;
        guard.progress = `${up} of ${pods.length} targets up`;
        return up === pods.length ? true : undefined;
      },
      60_000 + 3 * cycleAllowance(options, pods.length),
      250,
      signal,
    );
    const startupSeconds = (Date.now() - started) / 1000;
    ctx.say(`prometheus: all up after ${startupSeconds.toFixed(1)} s; ${options.warmup} warm-up cycles, then ${options.cycles} measured (${seconds(options.cycles * options.intervalMs)} s)`);
    guard.progress = 'warming up';
    await sleep(options.warmup * options.intervalMs, signal);
    guard.progress = 'measuring';
    const cpu0 = cpuSeconds(running.pid);
    const fleet0 = fleetCpu(ctx.fleet);
    const t0 = Date.now();
    // Prometheus scrapes each target once per interval, spread over it: any window of M whole
    // intervals holds M scrapes of every target.
    await sleep(options.cycles * options.intervalMs, signal);
    const cpu1 = cpuSeconds(running.pid);
    const fleet1 = fleetCpu(ctx.fleet);
    const windowSeconds = (Date.now() - t0) / 1000;
    const rssBytes = statusBytes(running.pid, 'VmRSS');
    const peakRssBytes = statusBytes(running.pid, 'VmHWM');
    // Asked after the window, so that answering is not counted; a question Prometheus is too
    // busy to answer leaves its number out rather than the whole measurement.
    const window = `${Math.round(windowSeconds)}s`;
    const ask = (promql: string): Promise<number> => query(promql).then((value) => value ?? Number.NaN, () => Number.NaN);
    const targetsUp = await ask('sum(up)');
    const scrapes = await ask(`sum(count_over_time(up[${window}]))`);
    const scrapeSeconds = await ask('avg(scrape_duration_seconds)');
    const maxScrapeSeconds = await ask('max(scrape_duration_seconds)');
    const samplesPerScrape = await ask('avg(scrape_samples_scraped)');
    const headSeries = await httpText(`${url}/metrics`).then(({ text }) => metricValue(text, 'prometheus_tsdb_head_series') ?? Number.NaN, () => Number.NaN);
    const cpu = cpu1 - cpu0;
    return {
      tool: 'prometheus',
      ok: true,
      startupSeconds,
      cycles: options.cycles,
      windowSeconds,
      cpuSeconds: cpu,
      cpuPerCycle: cpu / options.cycles,
      rssBytes,
      peakRssBytes,
      targets: pods.length,
      targetsUp,
      fleetCpuPerCycle: (fleet1 - fleet0) / options.cycles,
      details: { scrapesInWindow: scrapes, meanScrapeSeconds: scrapeSeconds, maxScrapeSeconds, samplesPerScrape, headSeries },
    };
  } catch (error) {
    return failedResult('prometheus', guard, error);
  } finally {
    guard.dispose();
    await stopChild(running.child, 20_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

interface SplitstatMetrics {
  readonly cycles: number;
  readonly durationSum: number;
  readonly durationCount: number;
  readonly up: number;
  readonly down: number;
  readonly failures: number;
  readonly droppedSeries: number;
  readonly seriesKept: number;
}

function splitstatMetrics(text: string): SplitstatMetrics {
  let failures = 0;
  for (const match of text.matchAll(/^splitstat_scrape_failures_total\{[^}]*\} (\S+)$/gm)) failures += Number(match[1]);
  return {
    cycles: metricValue(text, 'splitstat_scrape_cycles_total') ?? 0,
    durationSum: metricValue(text, 'splitstat_scrape_duration_seconds_sum') ?? 0,
    durationCount: metricValue(text, 'splitstat_scrape_duration_seconds_count') ?? 0,
    up: metricValue(text, 'splitstat_scrape_targets{state="up"}') ?? 0,
    down: metricValue(text, 'splitstat_scrape_targets{state="down"}') ?? 0,
    failures,
    droppedSeries: metricValue(text, 'splitstat_dropped_series_total') ?? 0,
    seriesKept: metricValue(text, 'splitstat_series_kept{bound="used"}') ?? 0,
  };
}

/** The value of the first sample `name` (with exactly these labels, if given) of an exposition page. */
function metricValue(text: string, series: string): number | undefined {
  const at = text.startsWith(`${series} `) ? 0 : text.indexOf(`\n${series} `);
  if (at === -1) return undefined;
  const start = at === 0 ? series.length + 1 : at + series.length + 2;
  const end = text.indexOf('\n', start);
  const value = Number(text.slice(start, end === -1 ? undefined : end).split(' ')[0]);
  return Number.isFinite(value) ? value : undefined;
}

/** Node options for splitstat's process from BENCH_NODE_ARGS (`--cpu-prof --cpu-prof-dir=/tmp/p` to profile it). */
function nodeArgs(): string[] {
  return (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
}

/** How long before a cycle should end splitstat's bench starts asking whether it has. */
const ASK_BEFORE_MS = 400;
/**
 * Idle time added to splitstat's window of M intervals, so that the M-th cycle has ended when the
 * window does although the interval timer fires a little late every cycle (idle costs 0.6 ms of
 * CPU a second: README, Sizing).
 */
const WINDOW_MARGIN_MS = 250;

async function runSplitstat(ctx: SizeContext): Promise<ToolResult> {
  const { options, pods } = ctx;
  // Every split series of every pod must fit, or splitstat would do less work than Prometheus.
  const maxSeriesTotal = Math.max(DEFAULT_MAX_SERIES_TOTAL, Math.ceil(pods.length * ctx.readSeries * 1.1));
  const args = [
    process.execPath,
    ...nodeArgs(),
    'dist/main.js',
    'serve',
    '--splits',
    ctx.splitsDir,
    '--targets',
    ctx.targetsFile,
    '--listen',
    '127.0.0.1:0',
    '--scrape-interval',
    duration(options.intervalMs),
    '--scrape-timeout',
    duration(options.timeoutMs),
    '--log-format',
    'json',
    '--max-series-per-target',
    '100000',
    ...(maxSeriesTotal > DEFAULT_MAX_SERIES_TOTAL ? ['--max-series-total', String(maxSeriesTotal)] : []),
  ];
  let url: string | undefined;
  let warnings = 0;
  const started = Date.now();
  const running = startProcess('splitstat', args, (line) => {
    if (!line.startsWith('{')) return;
    let entry: { level?: string; msg?: string };
    try {
      // splitstat's JSON log line: {"time","level","msg",…}
      entry = JSON.parse(line) as { level?: string; msg?: string };
    } catch {
      return;
    }
    if (entry.level === 'warn' || entry.level === 'error') warnings++;
    url ??= /serving on (http:\/\/[^\s:]+:\d+)/.exec(entry.msg ?? '')?.[1];
  });
  const guard = new Guard(running, guardDeadline(options, pods.length));
  const { signal } = guard;
  // A long timeout: a splitstat busy with a cycle answers late, and that is no failure.
  const metrics = async (): Promise<SplitstatMetrics> => splitstatMetrics((await httpText(`${url ?? ''}/metrics`, 30_000)).text);
  try {
    guard.progress = 'not listening yet';
    await until('splitstat listening', () => Promise.resolve(url === undefined ? undefined : true), 60_000, 100, signal);
    // The pid must be splitstat's own (the wrapper exec'd it), or /proc would tell about bash.
    if (comm(running.pid) === 'bash') throw new Error(`pid ${running.pid} is still bash, not splitstat`);
    guard.progress = 'first cycle not done';
    await until('splitstat ready (first cycle done)', async () => ((await httpText(`${url ?? ''}/readyz`, 2000)).status === 200 ? true : undefined), 60_000 + 3 * cycleAllowance(options, pods.length), 250, signal);
    const startupSeconds = (Date.now() - started) / 1000;
    const ready = await metrics();
    ctx.say(
      `splitstat: ready after ${startupSeconds.toFixed(1)} s (${ready.up}/${pods.length} up)${maxSeriesTotal > DEFAULT_MAX_SERIES_TOTAL ? `, --max-series-total ${maxSeriesTotal}` : ''}; ${options.warmup} warm-up cycles, then ${options.cycles} measured`,
    );
    // The window starts just after a cycle ends and ends just after the M-th cycle after it: M
    // whole cycles, whatever the phase of the interval timer. Cycles start on the interval, so
    // each wait sleeps until just before the cycle it waits for should end, and only then asks
    // every 100 ms: each answer of /metrics costs splitstat 5–10 ms and its garbage, which asking
    // all along (as this bench once did) charged to the window, garbage of the warm-up included;
    // Prometheus is not asked anything during its window.
    await sleep(Math.max(0, options.warmup * options.intervalMs - ASK_BEFORE_MS), signal);
    const first = await until(
      'splitstat warm-up cycles',
      async () => {
        const now = await metrics();
        guard.progress = `warming up: ${now.cycles} cycles done, ${now.up} of ${pods.length} up`;
        return now.cycles >= ready.cycles + Math.max(1, options.warmup) ? now : undefined;
      },
      (options.warmup + 1) * cycleAllowance(options, pods.length) * 2 + 60_000,
      100,
      signal,
    );
    const cpu0 = cpuSeconds(running.pid);
    const fleet0 = fleetCpu(ctx.fleet);
    const t0 = Date.now();
    guard.progress = 'measuring';
    // As Prometheus is measured: M whole intervals, asked nothing until they are over. Cycles start
    // on the interval, so the window (which starts just after a cycle ended) holds the M cycles
    // after it; the margin covers the interval timer's lateness, a few ms a cycle.
    await sleep(options.cycles * options.intervalMs + WINDOW_MARGIN_MS, signal);
    let cpu1 = cpuSeconds(running.pid);
    let fleet1 = fleetCpu(ctx.fleet);
    let windowSeconds = (Date.now() - t0) / 1000;
    let problem: string | undefined;
    let last = await metrics();
    if (last.cycles < first.cycles + options.cycles) {
      // Cycles longer than the interval: fewer than M fit its M intervals. The window then goes on
      // until the M-th cycle ends, asking every 100 ms (those answers are counted in it).
      const keepUpMs = options.cycles * cycleAllowance(options, pods.length) * 2 + 60_000;
      try {
        last = await until(
          `${options.cycles} splitstat cycles`,
          async () => {
            const now = await metrics();
            guard.progress = `measuring: ${now.cycles - first.cycles} of ${options.cycles} cycles done`;
            return now.cycles >= first.cycles + options.cycles ? now : undefined;
          },
          Math.max(0, keepUpMs - options.cycles * options.intervalMs),
          100,
          signal,
        );
      } catch (error) {
        if (signal.aborted) throw error;
        last = await metrics();
        problem = `only ${last.cycles - first.cycles} of ${options.cycles} cycles completed in ${seconds(Date.now() - t0)} s (CPU per cycle includes the one in progress)`;
      }
      cpu1 = cpuSeconds(running.pid);
      fleet1 = fleetCpu(ctx.fleet);
      windowSeconds = (Date.now() - t0) / 1000;
    }
    const rssBytes = statusBytes(running.pid, 'VmRSS');
    const peakRssBytes = statusBytes(running.pid, 'VmHWM');
    const cycles = last.cycles - first.cycles;
    const cpu = cpu1 - cpu0;
    const cycleSeconds = (last.durationSum - first.durationSum) / Math.max(1, last.durationCount - first.durationCount);
    return {
      tool: 'splitstat',
      ok: cycles > 0,
      ...(problem === undefined ? {} : { problem }),
      startupSeconds,
      cycles,
      windowSeconds,
      cpuSeconds: cpu,
      cpuPerCycle: cpu / Math.max(1, cycles),
      rssBytes,
      peakRssBytes,
      targets: last.up + last.down,
      targetsUp: last.up,
      fleetCpuPerCycle: (fleet1 - fleet0) / Math.max(1, cycles),
      cycleSeconds,
      details: {
        failuresInWindow: last.failures - first.failures,
        seriesKept: last.seriesKept,
        droppedSeries: last.droppedSeries,
        maxSeriesTotal,
        warnLogLines: warnings,
      },
    };
  } catch (error) {
    return failedResult('splitstat', guard, error);
  } finally {
    guard.dispose();
    await stopChild(running.child, 10_000);
  }
}

/**
 * The Node.js floor (bench/floor-scraper.ts): the same fetches and inflates as splitstat, nothing
 * parsed. Measured like splitstat, over M of its cycles, which it prints as they end.
 */
async function runFloor(ctx: SizeContext): Promise<ToolResult> {
  const { options, pods } = ctx;
  const configFile = path.join(ctx.dir, 'floor-scraper.json');
  writeFileSync(configFile, JSON.stringify({ urls: pods.map((pod) => pod.url), intervalMs: options.intervalMs, concurrency: DEFAULT_SCRAPE_CONCURRENCY, scan: options.floorScan, identify: options.floorIdentify }));
  let cycles = 0;
  let bytes = 0;
  let cycleMsSum = 0;
  const started = Date.now();
  const running = startProcess('node-floor', [process.execPath, '--import', 'tsx', 'bench/floor-scraper.ts', configFile], (line) => {
    const match = /^cycle (\d+) (\d+) (\d+) (\d+)$/.exec(line);
    if (match === null) return;
    cycles = Number(match[1]);
    cycleMsSum += Number(match[2]);
    bytes = Number(match[3]);
  });
  const guard = new Guard(running, guardDeadline(options, pods.length));
  const { signal } = guard;
  const waitForCycle = (count: number, what: string): Promise<true> =>
    until(what, () => Promise.resolve(cycles >= count ? true : undefined), (count - cycles + 1) * cycleAllowance(options, pods.length) * 2 + 60_000, 50, signal);
  try {
    await waitForCycle(1, 'node-floor first cycle');
    const startupSeconds = (Date.now() - started) / 1000;
    // Every page must have come whole, or the floor would be lower than the work it stands for.
    const expected = linkerdSplitPage({ authorities: options.authorities }).render(100, 1).length * pods.length;
    if (bytes < expected * 0.9) throw new Error(`node-floor read ${bytes} bytes in its first cycle, expected about ${expected}`);
    const first = 1 + Math.max(1, options.warmup);
    await waitForCycle(first, 'node-floor warm-up cycles');
    const cpu0 = cpuSeconds(running.pid);
    const fleet0 = fleetCpu(ctx.fleet);
    const ms0 = cycleMsSum;
    const t0 = Date.now();
    guard.progress = 'measuring';
    await waitForCycle(first + options.cycles, `${options.cycles} node-floor cycles`);
    const cpu = cpuSeconds(running.pid) - cpu0;
    return {
      tool: 'node-floor',
      ok: true,
      startupSeconds,
      cycles: options.cycles,
      windowSeconds: (Date.now() - t0) / 1000,
      cpuSeconds: cpu,
      cpuPerCycle: cpu / options.cycles,
      rssBytes: statusBytes(running.pid, 'VmRSS'),
      peakRssBytes: statusBytes(running.pid, 'VmHWM'),
      targets: pods.length,
      targetsUp: bytes >= expected * 0.9 ? pods.length : 0,
      fleetCpuPerCycle: (fleetCpu(ctx.fleet) - fleet0) / options.cycles,
      cycleSeconds: (cycleMsSum - ms0) / 1000 / options.cycles,
      details: { bytesPerCycle: bytes },
    };
  } catch (error) {
    return failedResult('node-floor', guard, error);
  } finally {
    guard.dispose();
    await stopChild(running.child, 10_000);
  }
}

// ---------------------------------------------------------------------------------------------
// One fleet size

interface SizeResult {
  readonly pods: number;
  /** Why this size was not measured. */
  readonly skipped?: string;
  readonly prometheus?: ToolResult;
  readonly splitstat?: ToolResult;
  readonly floor?: ToolResult;
  readonly cpuRatio?: number;
  readonly rssRatio?: number;
  /** The Node.js floor's CPU against Prometheus': no Node.js scraper can have a lower CPU ratio. */
  readonly floorCpuRatio?: number;
  readonly verdict: string;
}

/** Open files a process needs for `connections` sockets, plus its own files and some room. */
function filesNeeded(connections: number): number {
  return connections + 512;
}

async function runSize(options: Options, pods: number, root: string, limit: number, say: (line: string) => void): Promise<SizeResult> {
  const perWorker = Math.min(pods, options.podsPerWorker);
  // A fleet worker holds a listener and a scraper's connection per pod; each tool, a connection
  // per pod (Prometheus keeps them all open, splitstat may while a cycle runs).
  const need = Math.max(filesNeeded(2 * perWorker), filesNeeded(pods));
  if (need > limit) {
    const skipped = `needs about ${need} open files in one process, but the hard limit here is ${limit} (ulimit -Hn); use --pods-per-worker for the fleet, nothing helps the scrapers`;
    return { pods, skipped, verdict: `${pods} pods: not measured: ${skipped}` };
  }
  const dir = path.join(root, `size-${pods}`);
  mkdirSync(dir);
  const page = linkerdSplitPage({ authorities: options.authorities });
  const splitsDir = path.join(dir, 'splits');
  mkdirSync(splitsDir);
  writeFileSync(
    path.join(splitsDir, 'trafficsplits.yaml'),
    page.splits
      .map((split) =>
        stringify({
          apiVersion: 'split.smi-spec.io/v1alpha2',
          kind: 'TrafficSplit',
          metadata: { name: split.apex, namespace: split.namespace },
          spec: { service: split.apex, backends: split.backends },
        }),
      )
      .join('---\n'),
  );
  say(`${pods} pods: starting the fleet (${Math.ceil(pods / options.podsPerWorker)} processes)`);
  let fleet: Fleet;
  try {
    fleet = await startFleet({
      pods,
      podsPerWorker: options.podsPerWorker,
      port: options.port,
      authorities: options.authorities,
      gzip: options.gzip,
      startTimeoutMs: 60_000 + pods * 20,
      track,
    });
  } catch (error) {
    const skipped = `the fleet did not start: ${errorText(error)}`;
    return { pods, skipped, verdict: `${pods} pods: not measured: ${skipped}` };
  }
  try {
    // Every pod answers on its own address (127.0.0.0/8 is all lo's), checked at both ends.
    for (const pod of [fleet.pods[0], fleet.pods[fleet.pods.length - 1]]) {
      if (pod === undefined) continue;
      const answer = await httpText(pod.url).catch((error: unknown) => ({ status: 0, text: errorText(error) }));
      if (answer.status !== 200 || !answer.text.includes('response_total{authority=')) {
        const skipped = `the fleet's pod at ${pod.url} does not serve its page (${answer.status === 0 ? answer.text : `HTTP ${answer.status}`})`;
        return { pods, skipped, verdict: `${pods} pods: not measured: ${skipped}` };
      }
    }
    const targetsFile = path.join(dir, 'targets.yaml');
    const workload = (index: number): { workload?: string } => (options.workloads === 0 ? {} : { workload: `deployment/client-${index % options.workloads}` });
    writeFileSync(targetsFile, stringify({ targets: fleet.pods.map((pod, index) => ({ url: pod.url, namespace: pod.namespace, pod: pod.pod, ...workload(index) })) }));
    const ctx: SizeContext = { options, pods: fleet.pods, fleet, dir, splitsDir, targetsFile, readSeries: page.readSeries, say: (line) => say(`${pods} pods: ${line}`) };
    const prometheus = options.splitstatOnly ? notRun('prometheus') : await runPrometheus(ctx);
    report(ctx, prometheus);
    // Let the fleet close the connections of the one before (and the kernel its sockets).
    await sleep(1000);
    const splitstat = await runSplitstat(ctx);
    report(ctx, splitstat);
    let floor: ToolResult | undefined;
    if (options.floor) {
      await sleep(1000);
      floor = await runFloor(ctx);
      report(ctx, floor);
    }
    const stats = await fleet.stats();
    say(`${pods} pods: the fleet answered ${stats.requests} requests (${stats.gzipped} gzipped) from ${stats.renders} rendered pages`);
    // A ratio with a failed run on either side would compare unlike things.
    const both = prometheus.ok && splitstat.ok;
    const cpuRatio = both ? splitstat.cpuPerCycle / prometheus.cpuPerCycle : Number.NaN;
    const rssRatio = both ? splitstat.rssBytes / prometheus.rssBytes : Number.NaN;
    const floorCpuRatio = prometheus.ok && floor?.ok === true ? floor.cpuPerCycle / prometheus.cpuPerCycle : Number.NaN;
    return {
      pods,
      prometheus,
      splitstat,
      ...(floor === undefined ? {} : { floor }),
      cpuRatio,
      rssRatio,
      floorCpuRatio,
      verdict: verdict(options, pods, prometheus, splitstat, cpuRatio, rssRatio, floorCpuRatio),
    };
  } finally {
    await fleet.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(ctx: SizeContext, result: ToolResult): void {
  if (!result.ok) {
    ctx.say(`${result.tool}: FAILED: ${result.problem ?? 'unknown'}`);
    return;
  }
  const cycle = result.cycleSeconds === undefined ? '' : `, cycle ${result.cycleSeconds.toFixed(2)} s`;
  ctx.say(
    `${result.tool}: ${result.cpuPerCycle.toFixed(3)} CPU-s/cycle over ${result.cycles} cycles (${result.windowSeconds.toFixed(1)} s), RSS ${mib(result.rssBytes)} MiB, ` +
      `${result.targetsUp}/${result.targets} up${cycle}; fleet ${result.fleetCpuPerCycle.toFixed(3)} CPU-s/cycle${result.problem === undefined ? '' : `; ${result.problem}`}`,
  );
}

/**
 * The size against the goals. Without splitstat's numbers there is none; without Prometheus's,
 * only the absolute goals (cycle, memory) can be judged, and the ratios are named as missing.
 */
function verdict(options: Options, pods: number, prometheus: ToolResult, splitstat: ToolResult, cpuRatio: number, rssRatio: number, floorCpuRatio: number): string {
  const failures = [prometheus, splitstat].filter((result) => !result.ok).map((result) => `${result.tool} failed: ${firstLine(result.problem)}`);
  if (!splitstat.ok) return `${pods} pods: no verdict: ${failures.join('; ')}`;
  const mark = (ok: boolean): string => (ok ? 'ok' : 'MISSED');
  const cycleLimit = Math.min(10, options.intervalMs / 1000);
  const checks: { ok: boolean; text: string }[] = [];
  if (prometheus.ok) {
    checks.push(
      { ok: cpuRatio <= GOALS.cpuRatio, text: `CPU ratio ${cpuRatio.toFixed(2)} ≤ ${GOALS.cpuRatio}` },
      { ok: rssRatio <= GOALS.rssRatio, text: `RSS ratio ${rssRatio.toFixed(2)} ≤ ${GOALS.rssRatio}` },
    );
  }
  checks.push(
    { ok: (splitstat.cycleSeconds ?? Number.POSITIVE_INFINITY) < cycleLimit && splitstat.problem === undefined, text: `cycle ${(splitstat.cycleSeconds ?? Number.NaN).toFixed(2)} s < ${cycleLimit} s` },
    { ok: splitstat.rssBytes < GOALS.rssBytes, text: `RSS ${mib(splitstat.rssBytes)} MiB < 1 GiB` },
  );
  const allUp = (!prometheus.ok || prometheus.targetsUp === pods) && splitstat.targetsUp === pods && splitstat.targets === pods;
  const met = prometheus.ok && checks.every((check) => check.ok) && allUp;
  const outcome = met ? 'meets every goal' : checks.every((check) => check.ok) && allUp ? 'no ratios to judge' : 'misses a goal';
  const missing = prometheus.ok ? '' : ` (no ratios: ${failures.join('; ')})`;
  // A CPU goal below the floor cannot be met by any scraper on this runtime: say so beside the miss.
  const floor = floorCpuRatio > GOALS.cpuRatio && cpuRatio > GOALS.cpuRatio ? `; the CPU goal is below the Node.js floor (fetch and inflate${options.floorIdentify ? ', and every line told and counted,' : options.floorScan ? ', and every value read,' : ''} alone: ${floorCpuRatio.toFixed(2)} of Prometheus)` : '';
  return `${pods} pods: ${checks.map((check) => `${check.text} ${mark(check.ok)}`).join(', ')}${allUp ? '' : ', NOT all targets up'} → ${outcome}${missing}${floor}`;
}

// ---------------------------------------------------------------------------------------------
// Output

function mib(bytes: number): string {
  return Number.isFinite(bytes) ? (bytes / 1024 / 1024).toFixed(0) : '?';
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(0);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

function firstLine(text: string | undefined): string {
  return (text ?? 'unknown').split('\n')[0] ?? '';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A failed run's memory is the last seen before it ended, not at the end of its cycles. */
function rssCell(result: ToolResult | undefined): string {
  if (result === undefined) return '–';
  return result.ok ? mib(result.rssBytes) : `${mib(result.rssBytes)} (failed)`;
}

function table(results: readonly SizeResult[]): string {
  const header = ['pods', 'Prometheus CPU-s/cycle', 'splitstat CPU-s/cycle', 'ratio', 'Node floor CPU-s/cycle', 'ratio', 'Prometheus RSS MiB', 'splitstat RSS MiB', 'ratio', 'splitstat cycle s', 'all up?'];
  const num = (value: number | undefined, digits: number): string => (value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits));
  const rows = results.map((result) => {
    const p = result.prometheus;
    const s = result.splitstat;
    const allUp =
      p === undefined || s === undefined
        ? 'not run'
        : p.ok && s.ok && p.targetsUp === result.pods && s.targetsUp === result.pods
          ? 'yes'
          : `no (${p.ok ? p.targetsUp : 'failed'}/${s.ok ? s.targetsUp : 'failed'} of ${result.pods})`;
    return [
      String(result.pods),
      num(p?.ok === true ? p.cpuPerCycle : undefined, 3),
      num(s?.ok === true ? s.cpuPerCycle : undefined, 3),
      num(result.cpuRatio, 3),
      num(result.floor?.ok === true ? result.floor.cpuPerCycle : undefined, 3),
      num(result.floorCpuRatio, 3),
      rssCell(p),
      rssCell(s),
      num(result.rssRatio, 3),
      num(s?.ok === true ? s.cycleSeconds : undefined, 2),
      allUp,
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padStart(widths[column] ?? 0))).join(' | ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('-|-'), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date().toISOString();
  // Quiet once stopping: runs cut short by the stop would only report their own ending.
  const say = (line: string): void => {
    if (!cleaningUp) console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  };
  const limit = fileLimit();
  const prometheusVersion = execFileSync(PROMETHEUS, ['--version'], { encoding: 'utf8' }).split('\n')[0] ?? '';
  const page = linkerdSplitPage({ authorities: options.authorities });
  const body = page.render(100, 1);
  const gzipBytes = gzipSync(body, { level: 1 }).length;
  // Start-up (Prometheus applies its targets 5 s after start), warm-up, measurement, stopping.
  const perToolSeconds = (options.warmup + options.cycles + 1) * (options.intervalMs / 1000) + 12;
  console.log(
    `scrape bench: ${cpus().length} CPUs, ${mib(totalmem())} MiB memory, node ${process.version}, ${prometheusVersion}, open files ≤ ${limit}, clock tick ${CLOCK_TICK}/s\n` +
      `page: ${options.authorities} outbound authorities (split apexes), ${(body.length / 1024).toFixed(0)} KiB (${(gzipBytes / 1024).toFixed(0)} KiB gzipped${options.gzip ? ', served so when asked' : ', never served so'}), ` +
      `${page.samples} samples, ${page.readSeries} of the families splitstat reads, ${page.splitSeries} of them split traffic\n` +
      `interval ${duration(options.intervalMs)}, timeout ${duration(options.timeoutMs)}, ${options.warmup} warm-up + ${options.cycles} measured cycles per tool; sizes ${options.sizes.join(', ')}; ` +
      `at least ${Math.round((perToolSeconds * 2 * options.sizes.length) / 60)} min (more where cycles outlast the interval)`,
  );
  if (options.build) {
    const stale = staleBuild();
    if (stale === undefined) say('dist/ is newer than every source file: not rebuilding');
    else {
      say(`npm run build (${stale})`);
      execFileSync('npm', ['run', '--silent', 'build'], { cwd: REPO, stdio: 'inherit' });
    }
  }
  const build = measuredBuild();
  if (build !== undefined) say(`measuring splitstat at ${build.commit.slice(0, 12)}${build.srcModified ? ' with src/ modified' : ''}, built ${build.builtAt}`);
  const root = mkdtempSync(path.join(tmpdir(), 'splitstat-bench-scrape-'));
  tempDirs.add(root);
  // A last bound on the whole run, beyond every per-run guard: the bench never hangs.
  const overall = setTimeout(
    () => void cleanUpAndExit(1, 'the bench ran far longer than planned'),
    options.sizes.reduce((sum, pods) => sum + 2 * (guardDeadline(options, pods) + 60_000), 0),
  );
  const results: SizeResult[] = [];
  for (const pods of options.sizes) {
    const result = await runSize(options, pods, root, limit, say);
    if (result.skipped !== undefined) say(result.verdict);
    results.push(result);
  }
  clearTimeout(overall);

  console.log('');
  console.log(`interval ${duration(options.intervalMs)}, ${options.cycles} measured cycles; RSS at the end of the measured cycles (of a failed run: last seen)`);
  console.log(table(results));
  console.log('');
  for (const result of results) console.log(result.verdict);
  if (options.json !== undefined) {
    const json = {
      startedAt,
      splitstat: build,
      machine: { cpus: cpus().length, memoryBytes: totalmem(), node: process.version, prometheus: prometheusVersion, openFilesLimit: limit, clockTick: CLOCK_TICK },
      options: { ...options, json: undefined },
      page: { authorities: options.authorities, bytes: body.length, gzipBytes, samples: page.samples, readSeries: page.readSeries, splitSeries: page.splitSeries },
      goals: GOALS,
      results,
    };
    writeFileSync(options.json, `${JSON.stringify(json, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value), 2)}\n`);
    console.log(`\nresults written to ${options.json}`);
  }
  await cleanUpAndExit(0, '');
}

main().catch((error: unknown) => cleanUpAndExit(1, `bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`));
