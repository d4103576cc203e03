// What one scrape cycle costs, and what idling between cycles adds to it: splitstat's scrape path
// (bench/cycle-engine.ts: the ScrapeEngine of `serve` and nothing else) and the Node.js floor that
// tells every line's series (bench/floor-scraper.ts with identify) scrape the same fleet
// (bench/fleet.ts) in turn, each in a process of its own, first back to back, then with idle
// time between cycles, as a 10 s scrape interval has. CPU-seconds of each process (all threads,
// and its main thread alone) and its minor page faults are read from /proc over measured cycles
// after warm-up ones.
// Run: npm run bench:cycle -- [--pods 100] [--intervals 0,1,10] [--warmup 10] [--cycles 10]
// Environment: BENCH_NODE_ARGS, Node options for splitstat's process; BENCH_FLOOR_NODE_ARGS, the
// floor's (e.g. `--cpu-prof --cpu-prof-dir=/tmp/floor` to profile both the same way);
// BENCH_LOG_DIR, where each process's output is written (<script>-<interval>s.log; e.g. with
// `--trace-gc`).
//
// bench/scrape.ts sets the whole `serve` process beside Prometheus; this one says how much of a
// small fleet's cycle is the work per page and how much the idle time between cycles adds, for
// splitstat and for the floor alike.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_SCRAPE_CONCURRENCY } from '../src/collect/index.js';
import { startFleet, stopChild } from './fleet.js';
import type { Fleet } from './fleet.js';
import { cpuSeconds, minorFaults } from './proc.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const AUTHORITIES = 7;
/** Less than a page of this fleet (385 KiB): a floor cycle that read less per pod missed pages. */
const MIN_PAGE_BYTES = 100_000;
/** Node options for each process, as bench/scrape.ts takes them (e.g. `--trace-gc`). */
const ENGINE_NODE_ARGS = nodeArgs(process.env.BENCH_NODE_ARGS);
const FLOOR_NODE_ARGS = nodeArgs(process.env.BENCH_FLOOR_NODE_ARGS);

const LOG_DIR = process.env.BENCH_LOG_DIR;

function nodeArgs(text: string | undefined): string[] {
  return (text ?? '').split(' ').filter((arg) => arg !== '');
}

interface Options {
  readonly pods: number;
  readonly intervalsSeconds: readonly number[];
  readonly warmup: number;
  readonly cycles: number;
}

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): string | undefined => {
    const at = argv.indexOf(name);
    return at < 0 ? undefined : argv[at + 1];
  };
  const count = (name: string, fallback: number): number => {
    const text = value(name);
    const parsed = text === undefined ? fallback : Number(text);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`${name} takes a whole number above 0, not ${JSON.stringify(text)}`);
    return parsed;
  };
  const intervals = (value('--intervals') ?? '0,1,10').split(',').map(Number);
  if (intervals.some((seconds) => !Number.isFinite(seconds) || seconds < 0 || seconds > 60)) throw new Error('--intervals takes seconds from 0 to 60, comma-separated');
  return { pods: count('--pods', 100), intervalsSeconds: intervals, warmup: count('--warmup', 10), cycles: count('--cycles', 10) };
}

interface Measured {
  readonly cpuPerCycle: number;
  readonly mainThreadPerCycle: number;
  readonly faultsPerCycle: number;
}

const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));

/**
 * Runs one tool until `warmup` cycles are done, then reads its process over `cycles` more. Each
 * tool prints `cycle <n> …` after every cycle; the window runs from just after one cycle line to
 * just after the cycles-th next, so it holds whole cycles and the idle time after each.
 */
async function measure(
  script: string,
  nodeArgs: readonly string[],
  config: object,
  options: Options,
  intervalMs: number,
  dir: string,
  cycleProblem: (fields: readonly string[]) => string | undefined,
): Promise<Measured> {
  const configFile = path.join(dir, `${path.basename(script, '.ts')}.json`);
  writeFileSync(configFile, JSON.stringify(config));
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, configFile], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  const pid = child.pid ?? -1;
  const boundMs = (options.warmup + options.cycles + 2) * (intervalMs + 5000) + 60_000;
  try {
    return await new Promise<Measured>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${script}: not ${options.warmup + options.cycles} cycles within ${boundMs / 1000} s`)), boundMs);
      child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before its cycles were done`)));
      let seen = 0;
      let start = { cpu: 0, main: 0, faults: 0 };
      let pending = '';
      child.stdout?.on('data', (data: Buffer) => {
        pending += data.toString();
        if (LOG_DIR !== undefined) appendFileSync(path.join(LOG_DIR, `${path.basename(script, '.ts')}-${intervalMs / 1000}s.log`), data);
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.startsWith('cycle ')) continue;
          // A cycle that missed pages did less work than the fleet asks: its figures mean nothing.
          const problem = cycleProblem(line.split(' '));
          if (problem !== undefined) {
            clearTimeout(timer);
            reject(new Error(`${script}: ${problem}`));
            return;
          }
          seen++;
          const now = { cpu: cpuSeconds(pid), main: cpuSeconds(pid, pid), faults: minorFaults(pid) };
          if (seen === options.warmup) start = now;
          if (seen === options.warmup + options.cycles) {
            clearTimeout(timer);
            const per = (value: number): number => value / options.cycles;
            resolve({ cpuPerCycle: per(now.cpu - start.cpu), mainThreadPerCycle: per(now.main - start.main), faultsPerCycle: per(now.faults - start.faults) });
          }
        }
      });
    });
  } finally {
    await stopChild(child, 3000);
    children.delete(child);
  }
}

function row(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const dir = mkdtempSync(path.join(tmpdir(), 'splitstat-cycle-'));
  let fleet: Fleet | undefined;
  try {
    fleet = await startFleet({
      pods: options.pods,
      podsPerWorker: 1000,
      port: 4191,
      authorities: AUTHORITIES,
      gzip: true,
      startTimeoutMs: 60_000 + options.pods * 20,
      track: (child) => children.add(child),
    });
    const urls = fleet.pods.map((pod) => pod.url);
    console.log(`${options.pods} pods, ${options.warmup} warm-up and ${options.cycles} measured cycles per run; CPU-seconds per cycle (all threads / main thread), minor page faults per cycle`);
    console.log(row(['interval', 'splitstat CPU-s', 'main thread', 'faults', 'floor CPU-s', 'main thread', 'faults', 'ratio']));
    console.log(row(['---', '---', '---', '---', '---', '---', '---', '---']));
    for (const seconds of options.intervalsSeconds) {
      const intervalMs = seconds * 1000;
      // `cycle <n> <ms> <samples> <up>` and `cycle <n> <ms> <bytes> <checksum>`.
      const splitstat = await measure('bench/cycle-engine.ts', ENGINE_NODE_ARGS, { urls, intervalMs, authorities: AUTHORITIES }, options, intervalMs, dir, (fields) =>
        fields[4] === String(options.pods) ? undefined : `only ${fields[4]} of ${options.pods} pods up in cycle ${fields[1]}`,
      );
      const floor = await measure('bench/floor-scraper.ts', FLOOR_NODE_ARGS, { urls, intervalMs, concurrency: DEFAULT_SCRAPE_CONCURRENCY, identify: true }, options, intervalMs, dir, (fields) =>
        Number(fields[3]) >= options.pods * MIN_PAGE_BYTES ? undefined : `only ${fields[3]} bytes read from ${options.pods} pods in cycle ${fields[1]}`,
      );
      console.log(
        row([
          seconds === 0 ? 'back to back' : `${seconds} s`,
          splitstat.cpuPerCycle.toFixed(3),
          splitstat.mainThreadPerCycle.toFixed(3),
          splitstat.faultsPerCycle.toFixed(0),
          floor.cpuPerCycle.toFixed(3),
          floor.mainThreadPerCycle.toFixed(3),
          floor.faultsPerCycle.toFixed(0),
          (splitstat.cpuPerCycle / floor.cpuPerCycle).toFixed(2),
        ]),
      );
    }
  } finally {
    await fleet?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
