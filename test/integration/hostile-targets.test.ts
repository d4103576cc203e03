// Targets that fail at the transport or the format, each beside a good simulated proxy, over real
// loopback HTTP: an error status, a closed port, a server that never answers, a trickle, a body
// over the size cap (plain or a gzip bomb), a gzip body still inflating at the deadline, a body
// cut short, bytes that are no UTF-8, label values full of escapes, NaN values and an HTML page
// served with a 200. For each: the good split's numbers stay exact against the simulator's ground
// truth, /metrics keeps answering 200 and promtool-valid, the hostile target is reported the way
// an operator sees it (down with the reason that caused it, or what it served counted), and no
// cycle outlasts the scrape timeout by much. Bad counter values (falling, infinite, duplicated,
// churning) are hostile-counters.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import type { ScrapeFailureReason } from '../../src/ingest/index.js';
import { SCRAPE_FAILURE_REASONS } from '../../src/api/index.js';
import { valueOf } from '../helpers/metrics-state.js';
import type { Sample } from '../helpers/metrics-state.js';
import { checkoutLine, SplitBench } from '../helpers/split-bench.js';

/** Scrape deadline per target: long enough for the good proxy on a busy machine, short for the test. */
const TIMEOUT_MS = 400;
/** How much longer than the deadline a cycle may take: scheduling, not waiting on a target. */
const SLACK_MS = 1500;
/** Body cap for the test: far above the good proxy's page, far below what the hostile ones send. */
const MAX_BODY_BYTES = 256 * 1024;
/** Pages after the baseline. */
const PAGES = 3;
const CYCLES = PAGES + 1;

/** What a page would add to checkout-v1 if it were taken: enough to show in the exact comparison. */
const bait = (page: number): string => `${checkoutLine(String(1000 * page))}\n`;

/** How a hostile response ended, seen from the server: finished, or cut off by the client after `written` bytes. */
interface ResponseEnd {
  readonly finished: boolean;
  readonly written: number;
}

// A body over the cap, streamed as the client reads it: a bait line, then 1 KiB comment lines up
// to STREAM_LIMIT (never reached: the client hangs up at the cap, and the server only writes when
// the socket drains, so nothing near that size is ever held in memory).
const PADDING_LINE = `#${' '.repeat(1022)}\n`;
const PADDING_CHUNK = PADDING_LINE.repeat(64);
const STREAM_LIMIT = 64 * 1024 * 1024;

// A gzip bomb: the bait line, then 64 gzip members of 1 MiB of comment each (a gzip stream may
// hold several members, each decompressed in turn), about 64 KiB on the wire and 64 MiB
// decompressed. Built from one 1 MiB buffer.
const BOMB_MEMBER = gzipSync(`#${' '.repeat(1024 * 1024 - 2)}\n`, { level: 9 });
const BOMB_INFLATED_BYTES = 64 * 1024 * 1024;
const BOMB_TAIL = Buffer.concat(Array.from({ length: BOMB_INFLATED_BYTES / (1024 * 1024) }, () => BOMB_MEMBER));

// A gzip body under the cap that arrives late in the deadline: headers at once, then, half way
// into it, 60 MiB of comments in 60 members (about 62 KiB on the wire, so it arrives whole).
// Received in time, it is inflated when it is read, in one go, as every page is (page-reader.ts):
// a page, not a hang. Needs a cap above the 60 MiB.
const LATE_BOMB = Buffer.concat(Array.from({ length: 60 }, () => BOMB_MEMBER));
const LATE_BOMB_CAP_BYTES = 128 * 1024 * 1024;

/** Authority of a Service no split has: traffic to it is not split traffic, whatever its labels. */
const OTHER = 'other.shop.svc.cluster.local:8080';
const CHECKOUT = 'checkout.shop.svc.cluster.local:8080';

/**
 * Label values with every escape the format has (\" \\ \n) and the characters that delimit a
 * line's labels (`,` `=` `{` `}`) inside them, written as they appear on the wire. The first two
 * name no split (authority of another Service) but would read as shop/checkout traffic to a
 * parser that ended a value at an escaped quote; the last three are checkout-v2 traffic this
 * proxy really served (+5, +2 and +3 per page), two of them sharing an escaped leading label.
 */
function escapesPage(page: number): string {
  return [
    '# HELP response_total Responses, with "quotes", a backslash \\\\ and a newline \\n in the help.',
    '# TYPE response_total counter',
    `response_total{direction="outbound",authority="${OTHER}",dst_namespace="shop",dst_service="other",dst_pod="a\\"b\\\\c\\nd},e=\\"f\\"{",classification="success",tls="true"} ${1000 * page}`,
    `response_total{direction="outbound",dst_pod="x\\",authority=\\"${CHECKOUT}",authority="${OTHER}",dst_namespace="shop",dst_service="checkout-v1",classification="success",tls="true"} ${1000 * page}`,
    `response_total{direction="outbound",authority="${CHECKOUT}",dst_namespace="shop",dst_service="checkout-v2",dst_pod="v2\\\\",classification="success",tls="true"} ${5 * page}`,
    `response_total{direction="outbound",authority="${CHECKOUT}",dst_namespace="shop",dst_service="checkout-v2",dst_pod="v2\\\\",classification="failure",tls="true"} ${2 * page}`,
    `response_total{direction="outbound",authority="${CHECKOUT}",dst_namespace="shop",dst_service="checkout-v2",dst_pod="v2\\\\\\"\\n",classification="success",tls="true"} ${3 * page}`,
    '',
  ].join('\n');
}

/**
 * Bytes that are no UTF-8 inside label values: a stray 0xff after a leaf's name, a sequence cut
 * short right before the closing quote, and an overlong encoding of `"` (c0 a2). Decoded as the
 * WHATWG decoder does (each becomes U+FFFD, the quote after them stays a quote), none of these
 * names a Service, so none is split traffic; a decoder that dropped the bytes, or read c0 a2 as a
 * quote, would turn the first into checkout-v1 traffic or break the lines.
 */
function invalidUtf8Page(page: number): Buffer {
  const series = (dstService: Buffer): Buffer =>
    Buffer.concat([
      Buffer.from(`response_total{direction="outbound",authority="${CHECKOUT}",dst_namespace="shop",dst_service="`),
      dstService,
      Buffer.from(`",classification="success",tls="true"} ${1000 * page}\n`),
    ]);
  return Buffer.concat([
    series(Buffer.concat([Buffer.from('checkout-v1'), Buffer.from([0xff])])),
    series(Buffer.concat([Buffer.from('checkout-v2'), Buffer.from([0xe2, 0x82])])),
    series(Buffer.concat([Buffer.from('other'), Buffer.from([0xc0, 0xa2]), Buffer.from(',dst_service='), Buffer.from([0xc0, 0xa2]), Buffer.from('checkout-v1')])),
  ]);
}

/**
 * An HTML page served with a 200 (a sign-in page in front of the port), written the way such pages
 * are: more lines of prose than of tags, and a metrics line quoted in it. Prose lines start with a
 * word and a blank, as a sample of a metric nobody asked for does; they must not make the page
 * look mostly readable.
 */
function htmlPage(page: number): string {
  return [
    '<!DOCTYPE html>',
    '<html>',
    '<head><title>Sign in</title></head>',
    '<body>',
    '<h1>Sign in</h1>',
    '<p>',
    '  You need to sign in before you can see',
    '  this page. Your session may have expired,',
    '  or the link you followed needs an account.',
    '  Ask your administrator for access',
    '  if you think you should have it.',
    '  The metrics you asked for look like this:',
    '</p>',
    '<pre>',
    checkoutLine(String(1000 * page)),
    '</pre>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
/** Lines of htmlPage that are not blank and not the quoted sample: 11 of tags, 6 of prose. */
const HTML_MALFORMED_LINES = 17;

describe('hostile targets beside a good one', () => {
  const benches: SplitBench[] = [];
  /** How each response of a streaming route ended, by route. */
  const ends = new Map<string, ResponseEnd[]>();
  const trickles = new Set<NodeJS.Timeout>();

  /** The page the bench scraping this server is on (one bench runs at a time). */
  const page = (): number => benches.at(-1)?.page ?? 0;

  const track = (route: string, response: ServerResponse): { written: () => number; add: (bytes: number) => void } => {
    let written = 0;
    response.on('close', () => ends.set(route, [...(ends.get(route) ?? []), { finished: response.writableFinished, written }]));
    return { written: () => written, add: (bytes) => void (written += bytes) };
  };

  const routes: Readonly<Record<string, (response: ServerResponse) => void>> = {
    '/status-500': (response) => {
      // A body that reads as metrics: an error status must not be taken for a page anyway.
      response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end(bait(page()));
    },
    '/trickle': (response) => {
      const tracked = track('/trickle', response);
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      const text = bait(page());
      // Four bytes a second: the page would take about 40 s.
      const timer = setInterval(() => {
        const at = tracked.written();
        if (at >= text.length) return void response.end();
        response.write(text[at]);
        tracked.add(1);
      }, 250);
      trickles.add(timer);
      response.on('close', () => {
        clearInterval(timer);
        trickles.delete(timer);
      });
    },
    '/too-large': (response) => {
      const tracked = track('/too-large', response);
      // No Content-Length: the cap must hold while streaming, not only against a declared size.
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      const head = bait(page());
      response.write(head);
      tracked.add(head.length);
      const pump = (): void => {
        while (!response.destroyed) {
          if (tracked.written() >= STREAM_LIMIT) return void response.end();
          tracked.add(PADDING_CHUNK.length);
          if (!response.write(PADDING_CHUNK)) return void response.once('drain', pump);
        }
      };
      pump();
    },
    '/gzip-bomb': (response) => {
      const body = Buffer.concat([gzipSync(bait(page())), BOMB_TAIL]);
      // The declared (compressed) length is well under the cap: only the inflated size is over.
      response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip', 'Content-Length': String(body.length) });
      response.end(body);
    },
    '/late-gzip': (response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' });
      response.flushHeaders();
      const timer = setTimeout(() => response.end(LATE_BOMB), TIMEOUT_MS / 2);
      response.on('close', () => clearTimeout(timer));
    },
    '/truncated': (response) => {
      const tracked = track('/truncated', response);
      const head = bait(page());
      // Under the body cap, so that the declared length alone does not fail the scrape.
      response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': String(MAX_BODY_BYTES / 2) });
      // A whole sample line arrives, then the connection goes before the promised length.
      response.write(head, () => setTimeout(() => response.destroy(), 20));
      tracked.add(head.length);
    },
    '/invalid-utf8': (response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(invalidUtf8Page(page()));
    },
    '/escapes': (response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(escapesPage(page()));
    },
    '/nan': (response) => {
      const n = page();
      // checkout-v1 goes 7, NaN, 9, NaN: a NaN is a gap, so only 9 - 7 = 2 is an increase.
      // checkout-v2 is NaN on every page: never a number, never an increase.
      const v1 = n % 2 === 1 ? 'NaN' : String(7 + n);
      response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4' });
      response.end(`${checkoutLine(v1)}\n${checkoutLine('NaN', 'checkout-v2')}\n`);
    },
    '/html': (response) => {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end(htmlPage(page()));
    },
  };

  const http = createServer((request, response) => {
    const route = routes[request.url ?? ''];
    if (route === undefined) {
      response.writeHead(404);
      response.end();
      return;
    }
    route(response);
  });
  // Accepts connections, reads what comes and never writes a byte. Sockets a request came on are
  // told apart: the client's pool may also open a spare connection, which it closes on its own
  // idle timeout.
  const hangSockets = new Set<Socket>();
  const hangRequests = new Set<Socket>();
  let hangRequestsSeen = 0;
  const hang = createTcpServer((socket) => {
    hangSockets.add(socket);
    socket.once('data', () => {
      hangRequestsSeen++;
      hangRequests.add(socket);
    });
    socket.on('close', () => {
      hangSockets.delete(socket);
      hangRequests.delete(socket);
    });
    socket.on('error', () => undefined);
  });
  let httpBase = '';
  let hangUrl = '';
  let refusedUrl = '';

  before(async () => {
    const listen = async (server: typeof http | typeof hang): Promise<number> => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return (server.address() as AddressInfo).port;
    };
    httpBase = `http://127.0.0.1:${await listen(http)}`;
    hangUrl = `http://127.0.0.1:${await listen(hang)}/metrics`;
    // A port that was just listening and is closed now: nothing accepts there.
    const closed = createTcpServer();
    const closedPort = await listen(closed);
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    refusedUrl = `http://127.0.0.1:${closedPort}/metrics`;
  });

  // Bounded like the tests: if a cycle hangs (the bug these tests look for), the servers are
  // closed all the same, so the failure is reported and the process exits.
  after(
    async () => {
      for (const timer of trickles) clearInterval(timer);
      http.closeAllConnections();
      for (const socket of hangSockets) socket.destroy();
      await Promise.all([
        new Promise<void>((resolve) => http.close(() => resolve())),
        new Promise<void>((resolve) => hang.close(() => resolve())),
        ...benches.map((bench) => bench.stop()),
      ]);
    },
    { timeout: 10_000 },
  );

  interface Scraped {
    readonly bench: SplitBench;
    readonly url: string;
    readonly samples: Sample[];
  }

  /**
   * Scrapes the good proxy and the hostile `url` for a baseline and PAGES pages, and checks what
   * must hold whatever the hostile target does: no cycle runs much past the deadline, /metrics
   * answers 200 and is promtool-valid, the good proxy stays up, and the split counts exactly the
   * simulated requests plus `extra` (what the hostile target really served to the split).
   */
  async function scrapeBeside(url: string, extra: Parameters<SplitBench['assertSplitExact']>[2] = {}, maxBodyBytes = MAX_BODY_BYTES): Promise<Scraped> {
    const bench = await SplitBench.start({
      hostileTargets: () => [{ url, namespace: 'shop', pod: 'hostile' }],
      scrape: { timeoutMs: TIMEOUT_MS, maxBodyBytes },
    });
    benches.push(bench);
    const { mark, cycleMs } = await bench.run(PAGES);
    for (const ms of cycleMs) assert.ok(ms < TIMEOUT_MS + SLACK_MS, `a cycle took ${Math.round(ms)} ms with a ${TIMEOUT_MS} ms deadline`);
    const samples = await bench.metrics();
    bench.assertGoodTargetsUp();
    bench.assertSplitExact(samples, mark, extra);
    return { bench, url, samples };
  }

  /** Down on every cycle for `reason` alone, as targetStatuses(), failuresTotal and /metrics say. */
  function assertDown({ bench, url, samples }: Scraped, reason: ScrapeFailureReason, lastError: RegExp): void {
    const status = bench.statusOf(url);
    assert.equal(status.up, false, `${url} is down`);
    assert.match(status.lastError ?? '', lastError);
    assert.deepEqual([...bench.engine.failuresTotal], [[reason, CYCLES]]);
    // Every reason /metrics lists: all but the one that happened stay at zero.
    for (const other of SCRAPE_FAILURE_REASONS) {
      assert.equal(valueOf(samples, 'splitstat_scrape_failures_total', { reason: other }), other === reason ? CYCLES : 0, `failures for ${other}`);
    }
    assert.equal(valueOf(samples, 'splitstat_scrape_targets', { state: 'down' }), 1);
    assert.equal(valueOf(samples, 'splitstat_scrape_targets', { state: 'up' }), bench.sim.targets().length);
  }

  /** Up, with no failure of any kind, no malformed line and no rejected sample. */
  function assertUp({ bench, url, samples }: Scraped): void {
    const status = bench.statusOf(url);
    assert.equal(status.up, true, `${url} is up (${status.lastError ?? ''})`);
    assert.equal(bench.engine.failuresTotal.size, 0, `no failures: ${JSON.stringify([...bench.engine.failuresTotal])}`);
    assert.equal(valueOf(samples, 'splitstat_scrape_targets', { state: 'down' }), 0);
    assert.equal(valueOf(samples, 'splitstat_malformed_lines_total'), 0);
    assert.equal(valueOf(samples, 'splitstat_rejected_samples_total'), 0);
  }

  /** Waits until every response of `route` has ended, then returns how each ended. */
  async function endsOf(route: string, count: number): Promise<ResponseEnd[]> {
    for (let waited = 0; (ends.get(route)?.length ?? 0) < count && waited < 2000; waited += 20) await sleep(20);
    const found = ends.get(route) ?? [];
    assert.equal(found.length, count, `${route}: every response ended`);
    return found;
  }

  const bounded = { timeout: 20_000 };

  it('HTTP 500 with a metrics-like body: down for http-status, the body not counted', bounded, async () => {
    const scraped = await scrapeBeside(`${httpBase}/status-500`);
    assertDown(scraped, 'http-status', /^HTTP 500 Internal Server Error$/);
  });

  it('connection refused (a closed port): down for network, saying ECONNREFUSED', bounded, async () => {
    const scraped = await scrapeBeside(refusedUrl);
    assertDown(scraped, 'network', /ECONNREFUSED/);
  });

  it('a server that accepts and never answers: down for timeout at the deadline, each connection dropped', bounded, async () => {
    const scraped = await scrapeBeside(hangUrl);
    assertDown(scraped, 'timeout', new RegExp(`^no response headers within ${TIMEOUT_MS} ms$`));
    assert.equal(hangRequestsSeen, CYCLES, 'one request per cycle');
    for (let waited = 0; hangRequests.size > 0 && waited < 2000; waited += 20) await sleep(20);
    assert.equal(hangRequests.size, 0, 'the scraper closed every connection it gave up on');
  });

  it('a trickle of four bytes a second: down for timeout with the bytes received, each response cut off', bounded, async () => {
    const scraped = await scrapeBeside(`${httpBase}/trickle`);
    assertDown(scraped, 'timeout', new RegExp(`^body not complete within ${TIMEOUT_MS} ms \\(\\d+ bytes received\\)$`));
    for (const end of await endsOf('/trickle', CYCLES)) assert.equal(end.finished, false, 'the scraper hung up before the page was complete');
  });

  it('a streamed body over the size cap: down for body-too-large, the stream abandoned near the cap', bounded, async () => {
    const scraped = await scrapeBeside(`${httpBase}/too-large`);
    const goodPage = scraped.bench.sim.metricsText(scraped.bench.sim.targets()[0]?.pod ?? '');
    assert.ok(Buffer.byteLength(goodPage) < MAX_BODY_BYTES / 4, 'the good page is far under the cap');
    assertDown(scraped, 'body-too-large', new RegExp(`^body exceeds the ${MAX_BODY_BYTES}-byte limit$`));
    for (const end of await endsOf('/too-large', CYCLES)) {
      assert.equal(end.finished, false, 'the scraper hung up before the body ended');
      // What the server got into socket buffers before the client left, not the 64 MiB on offer.
      assert.ok(end.written < STREAM_LIMIT / 4, `${end.written} bytes written before the client hung up`);
    }
  });

  it('a gzip bomb: down for body-too-large, the cap counted after decompression', bounded, async () => {
    // The fixture is what it claims: small on the wire, huge inflated.
    assert.ok(BOMB_TAIL.length < MAX_BODY_BYTES / 2, `${BOMB_TAIL.length} compressed bytes`);
    assert.ok(BOMB_INFLATED_BYTES > MAX_BODY_BYTES * 100);
    const scraped = await scrapeBeside(`${httpBase}/gzip-bomb`);
    assertDown(scraped, 'body-too-large', new RegExp(`^body exceeds the ${MAX_BODY_BYTES}-byte limit$`));
  });

  it('a gzip body of 60 MiB of comments arriving late: read in one go, up, the cycle not held up', bounded, async () => {
    assert.ok(LATE_BOMB.length < 64 * 1024, `${LATE_BOMB.length} compressed bytes`);
    // Received within the deadline; inflating it is bounded by the cap, and scrapeBeside checks
    // that no cycle took much longer than the deadline.
    const scraped = await scrapeBeside(`${httpBase}/late-gzip`, {}, LATE_BOMB_CAP_BYTES);
    assertUp(scraped);
  });

  it('a body cut short of its Content-Length: down for network, the part that came not counted', bounded, async () => {
    const scraped = await scrapeBeside(`${httpBase}/truncated`);
    assertDown(scraped, 'network', /^the connection closed before the body was complete \(\d+ bytes received\)$/);
    for (const end of await endsOf('/truncated', CYCLES)) assert.equal(end.finished, false);
  });

  it('bytes that are no UTF-8 in label values: down for parse, as Prometheus refuses such a page', bounded, async () => {
    const scraped = await scrapeBeside(`${httpBase}/invalid-utf8`);
    // Decoded, the bad bytes would become U+FFFD, and values differing only there one series.
    assertDown(scraped, 'parse', /^the page is not valid UTF-8$/);
  });

  it('escaped quotes, backslashes and newlines in label values: parsed, counted where they belong, nothing disturbed', bounded, async () => {
    const scraped = await scrapeBeside(`${httpBase}/escapes`, { 'checkout-v2': { success: (5 + 3) * PAGES, failure: 2 * PAGES } });
    assertUp(scraped);
    // Both pages are read as the 2.12 layout they have, the hostile one included.
    assert.equal(valueOf(scraped.samples, 'splitstat_scrape_target_generations', { generation: 'linkerd-2.12' }), 2);
  });

  it('NaN counter values: a gap, not a reset; the target stays up and only real increases count', bounded, async () => {
    const scraped = await scrapeBeside(`${httpBase}/nan`, { 'checkout-v1': { success: 2 } });
    // NaN is no value rather than a bad one (counter-state.ts): not among the rejected samples.
    assertUp(scraped);
  });

  it('an HTML page with a 200: down for parse, its lines counted as malformed, the quoted sample not counted', bounded, async () => {
    const scraped = await scrapeBeside(`${httpBase}/html`);
    assertDown(scraped, 'parse', /^no valid samples \(\d+ malformed lines\)$/);
    assert.equal(valueOf(scraped.samples, 'splitstat_malformed_lines_total'), HTML_MALFORMED_LINES * CYCLES);
    assert.equal(valueOf(scraped.samples, 'splitstat_rejected_samples_total'), 0);
  });
});
