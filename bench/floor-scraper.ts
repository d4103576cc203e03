// The least a Node.js scraper can do per cycle: fetch every page over a kept-alive connection,
// asking for gzip as Prometheus does, and inflate it, with splitstat's own page reader (one zlib
// stream reset per page, inflating into one reused buffer: the cheapest inflate Node allows,
// src/collect/page-reader.ts). Nothing is parsed or kept. The scrape bench runs it as a third
// tool beside Prometheus and splitstat: what splitstat costs above it is its parsing and state,
// and a ratio goal below it is out of reach of any scraper on this runtime.
// Run by bench/scrape.ts: node --import tsx bench/floor-scraper.ts config.json, where the file
// holds {"urls":[…],"intervalMs":10000,"concurrency":32}; prints `cycle <n> <ms> <bytes>` after
// every cycle.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { PageReader } from '../src/collect/index.js';

interface FloorConfig {
  readonly urls: readonly string[];
  readonly intervalMs: number;
  readonly concurrency: number;
}

const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as FloorConfig;
// The same keep-alive settings as splitstat's scraper (src/collect/scraper.ts).
const agent = new http.Agent({ keepAlive: true, maxFreeSockets: config.concurrency, scheduling: 'lifo', timeout: 60_000 });
/** A page's bytes are a view of its reader's buffer: one reader per concurrent fetch. */
const readers: PageReader[] = [];
const MAX_PAGE_BYTES = 64 * 1024 * 1024;

function fetchPage(url: string, reader: PageReader): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { agent, headers: { 'accept-encoding': 'gzip' }, timeout: config.intervalMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const page = reader.read(chunks, response.headers['content-encoding'] === 'gzip' ? 'gzip' : 'identity', MAX_PAGE_BYTES);
        if (page.ok) resolve(page.bytes);
        else reject(new Error(page.message));
      });
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}

let cycles = 0;

async function cycle(): Promise<void> {
  const started = performance.now();
  let bytes = 0;
  let next = 0;
  const worker = async (reader: PageReader): Promise<void> => {
    for (let index = next++; index < config.urls.length; index = next++) {
      const url = config.urls[index];
      if (url === undefined) continue;
      try {
        // Read first, then add: `bytes += await …` would add to the total as it was before the wait.
        const pageBytes = await fetchPage(url, reader);
        bytes += pageBytes;
      } catch {
        // A failed page costs what it cost; the bench checks that every page came.
      }
    }
  };
  const workers = Math.min(config.concurrency, config.urls.length);
  while (readers.length < workers) readers.push(new PageReader());
  await Promise.all(readers.slice(0, workers).map(worker));
  cycles++;
  process.stdout.write(`cycle ${cycles} ${(performance.now() - started).toFixed(0)} ${bytes}\n`);
}

// Cycles start on the interval like splitstat's: the next one waits for the last to end.
async function loop(): Promise<void> {
  for (;;) {
    const started = Date.now();
    await cycle();
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, config.intervalMs - (Date.now() - started))));
  }
}

void loop();
