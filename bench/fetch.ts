// What fetching a fleet's pages costs with each HTTP client a Node.js scraper could use, the
// pages only (asked for gzip, kept compressed, dropped): node:http with the keep-alive agent the
// scraper used before, undici's dispatcher (the client behind fetch, without fetch's streams),
// and splitstat's own HTTP/1.1 client (src/collect/http1-client.ts). Each runs in a process of
// its own (bench/fetch-client.ts) against the same 100-pod fleet (bench/fleet.ts), with the
// scraper's concurrency and with idle time between cycle starts as a scrape interval has;
// CPU-seconds (utime + stime from /proc) over the cycles after warm-up, and RSS at their end.
// Rounds alternate the clients, since this machine's speed drifts between runs.
// Run: npm run bench:fetch -- [--pods 100] [--interval 10] [--warmup 10] [--cycles 6] [--rounds 2]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFleet } from './fleet.js';
import { CLIENTS } from './fetch-client.js';
import type { ClientName, FetchConfig } from './fetch-client.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  const value = at < 0 ? fallback : Number(process.argv[at + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} takes a number of 0 or more`);
  return value;
}

const pods = option('--pods', 100);
const intervalMs = option('--interval', 10) * 1000;
const warmup = option('--warmup', 10);
const cycles = option('--cycles', 6);
const rounds = option('--rounds', 2);

interface Measured {
  readonly cpuPerCycle: number;
  readonly rssMiB: number;
  readonly bytesPerCycle: number;
}

/** Runs one client to its end; it prints one JSON line of what it measured about itself. */
function runClient(config: FetchConfig, file: string): Promise<Measured> {
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'bench/fetch-client.ts'), file], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`${config.client}: exited with ${code}`));
      resolve(JSON.parse(output) as Measured);
    });
  });
}

const dir = mkdtempSync(path.join(tmpdir(), 'splitstat-fetch-'));
const fleet = await startFleet({ pods, podsPerWorker: 1000, port: 4191, authorities: 7, gzip: true, startTimeoutMs: 62_000, track: () => undefined });
const results = new Map<ClientName, Measured[]>(CLIENTS.map((client) => [client, []]));
try {
  for (let round = 1; round <= rounds; round++) {
    for (const client of CLIENTS) {
      const measured = await runClient({ client, urls: fleet.pods.map((pod) => pod.url), intervalMs, warmup, cycles }, path.join(dir, `${client}.json`));
      results.get(client)?.push(measured);
      process.stdout.write(`round ${round} ${client}: ${measured.cpuPerCycle.toFixed(4)} CPU-s/cycle, RSS ${measured.rssMiB.toFixed(1)} MiB, ${(measured.bytesPerCycle / pods / 1024).toFixed(1)} KiB per page\n`);
    }
  }
} finally {
  await fleet.stop();
  rmSync(dir, { recursive: true, force: true });
}

const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;
const baseline = mean((results.get('node:http') ?? []).map((run) => run.cpuPerCycle));
process.stdout.write(`\n${pods} pods, ${intervalMs / 1000} s between cycle starts, ${cycles} measured cycles after ${warmup}, ${rounds} rounds\n`);
process.stdout.write('client | CPU-s/cycle (each round) | mean | against node:http | RSS MiB\n');
for (const [client, runs] of results) {
  const cpu = runs.map((run) => run.cpuPerCycle);
  process.stdout.write(`${client} | ${cpu.map((value) => value.toFixed(4)).join(', ')} | ${mean(cpu).toFixed(4)} | ${(mean(cpu) / baseline).toFixed(2)} | ${runs.map((run) => run.rssMiB.toFixed(1)).join(', ')}\n`);
}
