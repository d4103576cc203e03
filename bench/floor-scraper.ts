// The least a Node.js scraper can do per cycle: fetch every page over a kept-alive connection
// with splitstat's own HTTP client (cheaper than node:http), asking for gzip as Prometheus does,
// and inflate it with splitstat's own page reader (one zlib stream reset per page, inflating into
// one reused buffer: the cheapest inflate Node allows, src/collect/page-reader.ts). Nothing is parsed or kept. The scrape bench runs it as a third
// tool beside Prometheus and splitstat: what splitstat costs above it is its parsing and state,
// and a ratio goal below it is out of reach of any scraper on this runtime.
// With `scan` (`npm run bench:scrape -- --floor-scan`) it also reads every sample's value: each
// line found with the native newline search, the digits before its end read into a number. Any
// scraper that uses a page's values does at least that (it must also tell which series each line
// is, which this skips), so a ratio below this floor is out of reach of any such scraper.
// With `identify` (`--floor-identify`) it also tells which series each line is, exactly, and
// turns each value into an increase: every target keeps its series in page order (one shared
// key per distinct series, as splitstat's pool does) and its last values, and each line's series
// is compared byte for byte with the one that target listed there last time (one native compare
// per line: every byte must be looked at, or two pods' series of the same length could be taken
// for each other). That is the least an exact scraper does per line; it sums nothing per edge and
// keeps no window, which splitstat does on top.
// Run by bench/scrape.ts: node --import tsx bench/floor-scraper.ts config.json, where the file
// holds {"urls":[…],"intervalMs":10000,"concurrency":32,"scan":false,"identify":false}; prints
// `cycle <n> <ms> <bytes> <checksum>` after every cycle.
import { readFileSync } from 'node:fs';
import { GetRequest, Http1Client, PageReader } from '../src/collect/index.js';

interface FloorConfig {
  readonly urls: readonly string[];
  readonly intervalMs: number;
  readonly concurrency: number;
  readonly scan?: boolean;
  readonly identify?: boolean;
}

const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as FloorConfig;
// Stopped by the bench with SIGTERM: exiting normally lets `--cpu-prof` write its profile.
process.once('SIGTERM', () => process.exit(0));
// splitstat's own HTTP client with the scraper's keep-alive settings (src/collect/scraper.ts):
// the cheapest way to fetch a page this runtime offers (BENCHMARKS.md).
const client = new Http1Client({ maxIdlePerOrigin: config.concurrency, idleTimeoutMs: 60_000 });
const requests = config.urls.map((url) => new GetRequest(new URL(url), 'Accept-Encoding: gzip\r\n'));
/** A page's bytes are a view of its reader's buffer: one reader per concurrent fetch. */
const readers: PageReader[] = [];
const MAX_PAGE_BYTES = 64 * 1024 * 1024;

function fetchPage(request: GetRequest, target: TargetSeries, reader: PageReader): Promise<number> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let gzip = false;
    const pending = client.get(request, {
      onHead(head) {
        gzip = head.headers['content-encoding'] === 'gzip';
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        return true;
      },
      onEnd() {
        clearTimeout(deadline);
        const page = reader.read(chunks, gzip ? 'gzip' : 'identity', MAX_PAGE_BYTES);
        if (!page.ok) return reject(new Error(page.message));
        if (config.identify === true && Buffer.isBuffer(page.body)) checksum += identifyLines(page.body, page.bytes, target);
        else if (config.scan === true && Buffer.isBuffer(page.body)) checksum += scanValues(page.body, page.bytes);
        resolve(page.bytes);
      },
      onError(error) {
        clearTimeout(deadline);
        reject(error);
      },
    });
    const deadline = setTimeout(() => pending.abort(new Error('timeout')), config.intervalMs);
  });
}

let cycles = 0;
/** The values read, summed and printed, so the scan cannot be optimised away. */
let checksum = 0;

/** Where the last token of the line [start, end) begins, less one: the space before the value. */
function spaceBeforeValue(bytes: Buffer, start: number, end: number): number {
  let space = end - 1;
  while (space > start && bytes[space] !== 32) space--;
  return space;
}

/** The digits of [from, end) as a number (anything else in it skipped). */
function digitsValue(bytes: Buffer, from: number, end: number): number {
  let value = 0;
  for (let i = from; i < end; i++) {
    const c = bytes[i] as number;
    if (c >= 48 && c <= 57) value = value * 10 + (c - 48);
  }
  return value;
}

/** Every sample line's trailing digits as a number (comments skipped); the sum of them all. */
function scanValues(bytes: Buffer, length: number): number {
  let sum = 0;
  let start = 0;
  while (start < length) {
    let end = bytes.indexOf(10, start);
    if (end < 0 || end > length) end = length;
    if (bytes[start] !== 35) sum += digitsValue(bytes, spaceBeforeValue(bytes, start, end) + 1, end);
    start = end + 1;
  }
  return sum;
}

/** A target's series in the order its last page listed them, and their last values. */
interface TargetSeries {
  keys: Buffer[];
  last: Float64Array;
}

/** One key per distinct series text, shared by every target listing it. */
const sharedKeys = new Map<string, Buffer>();
const targets: TargetSeries[] = config.urls.map(() => ({ keys: [], last: new Float64Array(1024) }));

/**
 * Every sample line's series told exactly (compared with the one the target listed there last
 * time, learnt when it differs) and its value turned into an increase; the sum of the increases.
 */
function identifyLines(bytes: Buffer, length: number, target: TargetSeries): number {
  let sum = 0;
  let start = 0;
  let position = 0;
  while (start < length) {
    let end = bytes.indexOf(10, start);
    if (end < 0 || end > length) end = length;
    if (bytes[start] !== 35) {
      const space = spaceBeforeValue(bytes, start, end);
      const value = digitsValue(bytes, space + 1, end);
      const known = target.keys[position];
      if (known === undefined || known.length !== space - start || known.compare(bytes, start, space) !== 0) {
        const text = bytes.toString('latin1', start, space);
        let key = sharedKeys.get(text);
        if (key === undefined) sharedKeys.set(text, (key = Buffer.from(text, 'latin1')));
        target.keys[position] = key;
      }
      if (position === target.last.length) {
        const grown = new Float64Array(position * 2);
        grown.set(target.last);
        target.last = grown;
      }
      const last = target.last[position] as number;
      sum += value < last ? value : value - last;
      target.last[position] = value;
      position++;
    }
    start = end + 1;
  }
  target.keys.length = position;
  return sum;
}

async function cycle(): Promise<void> {
  const started = performance.now();
  let bytes = 0;
  let next = 0;
  const worker = async (reader: PageReader): Promise<void> => {
    for (let index = next++; index < config.urls.length; index = next++) {
      const request = requests[index];
      const target = targets[index];
      if (request === undefined || target === undefined) continue;
      try {
        // Read first, then add: `bytes += await …` would add to the total as it was before the wait.
        const pageBytes = await fetchPage(request, target, reader);
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
  process.stdout.write(`cycle ${cycles} ${(performance.now() - started).toFixed(0)} ${bytes} ${checksum}\n`);
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
