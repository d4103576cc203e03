// One HTTP client fetching every page of the fleet each cycle, for bench/fetch.ts: the page's
// bytes are kept as they came (compressed) until the response ends, then dropped. Prints one
// JSON line: CPU-seconds per measured cycle, RSS at the end, bytes per cycle.
// Run: node --import tsx bench/fetch-client.ts config.json
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { Pool } from 'undici';
import type { Dispatcher } from 'undici';
import { DEFAULT_SCRAPE_CONCURRENCY, GetRequest, Http1Client } from '../src/collect/index.js';
import { cpuSeconds, statusBytes } from './proc.js';

export const CLIENTS = ['node:http', 'undici', 'splitstat'] as const;
export type ClientName = (typeof CLIENTS)[number];

export interface FetchConfig {
  readonly client: ClientName;
  readonly urls: readonly string[];
  readonly intervalMs: number;
  readonly warmup: number;
  readonly cycles: number;
}

type Fetch = (url: URL, done: (error: Error | undefined, chunks: Buffer[]) => void) => void;

/** node:http with the agent settings the scraper had (keep-alive, LIFO, a minute idle). */
function nodeHttp(): Fetch {
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: DEFAULT_SCRAPE_CONCURRENCY, scheduling: 'lifo', timeout: 60_000 });
  return (url, done) => {
    const request = http.get(url, { agent, headers: { 'accept-encoding': 'gzip' } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => done(undefined, chunks));
      response.on('error', (error) => done(error, []));
    });
    request.on('error', (error) => done(error, []));
  };
}

/**
 * undici's dispatcher, one pool of one connection per origin. Its default keep-alive (4 s) would
 * close every connection between 10 s cycles; it is set to a minute, as the others keep theirs.
 */
function undici(): Fetch {
  const pools = new Map<string, Pool>();
  return (url, done) => {
    let pool = pools.get(url.origin);
    if (pool === undefined) pools.set(url.origin, (pool = new Pool(url.origin, { connections: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 })));
    const chunks: Buffer[] = [];
    // The handler methods Pool and Client call themselves (undici 7 accepts the newer
    // onResponse* names only through its interceptors).
    const handler: Dispatcher.DispatchHandler = {
      onConnect: () => undefined,
      onHeaders: () => true,
      onData: (chunk) => chunks.push(chunk) > 0,
      onComplete: () => done(undefined, chunks),
      onError: (error) => done(error, []),
    };
    pool.dispatch({ origin: url.origin, path: url.pathname, method: 'GET', headers: { 'accept-encoding': 'gzip' } }, handler);
  };
}

function splitstat(): Fetch {
  const client = new Http1Client({ maxIdlePerOrigin: DEFAULT_SCRAPE_CONCURRENCY, idleTimeoutMs: 60_000 });
  // Made once per target, as the scraper makes them.
  const requests = new Map<URL, GetRequest>();
  return (url, done) => {
    const chunks: Buffer[] = [];
    let request = requests.get(url);
    if (request === undefined) requests.set(url, (request = new GetRequest(url, 'Accept-Encoding: gzip\r\n')));
    client.get(request, {
      onHead: () => true,
      onData: (chunk) => chunks.push(chunk) > 0,
      onEnd: () => done(undefined, chunks),
      onError: (error) => done(error, []),
    });
  };
}

async function main(): Promise<void> {
  const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as FetchConfig;
  const fetchPage = { 'node:http': nodeHttp, undici, splitstat }[config.client]();
  const urls = config.urls.map((url) => new URL(url));
  let bytes = 0;
  let failures = 0;
  const fetchOne = (url: URL): Promise<void> =>
    new Promise((resolve) =>
      fetchPage(url, (error, chunks) => {
        if (error !== undefined) failures++;
        for (const chunk of chunks) bytes += chunk.length;
        resolve();
      }),
    );
  let startCpu = 0;
  let startBytes = 0;
  for (let cycle = 0; cycle < config.warmup + config.cycles; cycle++) {
    const started = Date.now();
    if (cycle === config.warmup) {
      startCpu = cpuSeconds(process.pid);
      startBytes = bytes;
    }
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let index = next++; index < urls.length; index = next++) await fetchOne(urls[index] as URL);
    };
    await Promise.all(Array.from({ length: Math.min(DEFAULT_SCRAPE_CONCURRENCY, urls.length) }, worker));
    // The last cycle is measured to its end, not to the next start.
    if (cycle < config.warmup + config.cycles - 1) await new Promise((resolve) => setTimeout(resolve, Math.max(0, config.intervalMs - (Date.now() - started))));
  }
  if (failures > 0) throw new Error(`${config.client}: ${failures} pages failed`);
  const measured = {
    cpuPerCycle: (cpuSeconds(process.pid) - startCpu) / config.cycles,
    rssMiB: statusBytes(process.pid, 'VmRSS') / 1024 / 1024,
    bytesPerCycle: (bytes - startBytes) / config.cycles,
  };
  process.stdout.write(`${JSON.stringify(measured)}\n`);
  process.exit(0);
}

// Imported by bench/fetch.ts for CLIENTS alone; run as a script, it measures.
if (process.argv[1]?.endsWith('fetch-client.ts') === true) await main();
