import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { bodyText } from './body-pieces.js';
import { PageReader } from './page-reader.js';
import { scrapeAll, scrapeEach, scrapeTarget, SCRAPE_ACCEPT_HEADER } from './scraper.js';
import type { ScrapeOutcome } from './scraper.js';
import type { ScrapeTarget } from './target.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

interface TestServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

const servers: TestServer[] = [];

/** A real HTTP server on a free loopback port, closed (connections and all) after the tests. */
async function serve(handler: Handler): Promise<TestServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const entry = { url: `http://127.0.0.1:${port}/metrics`, server, close };
  servers.push(entry);
  return entry;
}

after(async () => {
  await Promise.all(servers.filter((s) => s.server.listening).map((s) => s.close()));
});

function target(url: string, pod = 'pod-1'): ScrapeTarget {
  return { url, namespace: 'default', pod };
}

function failure(outcome: ScrapeOutcome | undefined): Extract<ScrapeOutcome, { ok: false }> {
  assert.ok(outcome !== undefined && !outcome.ok, `expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome;
}

const BODY = '# TYPE request_total counter\nrequest_total{direction="outbound"} 42\n';

describe('scrapeTarget', () => {
  it('returns the body and sends Accept, Accept-Encoding and the timeout header', async () => {
    let headers: IncomingMessage['headers'] = {};
    const { url } = await serve((request, response) => {
      headers = request.headers;
      response.writeHead(200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      response.end(BODY);
    });
    const outcome = await scrapeTarget(target(url), { timeoutMs: 2000 });
    assert.ok(outcome.ok);
    assert.equal(bodyText(outcome.body), BODY);
    assert.equal(outcome.bytes, Buffer.byteLength(BODY));
    assert.equal(outcome.contentType, 'text/plain; version=0.0.4; charset=utf-8');
    assert.ok(outcome.durationMs >= 0);
    assert.ok(Math.abs(outcome.startedAtMs - Date.now()) < 60_000);
    assert.equal(headers.accept, SCRAPE_ACCEPT_HEADER);
    assert.ok(SCRAPE_ACCEPT_HEADER.startsWith('text/plain;version=0.0.4'));
    assert.match(headers['accept-encoding'] ?? '', /gzip/);
    assert.equal(headers['x-prometheus-scrape-timeout-seconds'], '2');
  });

  it('keeps a gzip body as it came, for PageReader to inflate when it is parsed', async () => {
    const text = BODY.repeat(1000) + 'multi_byte{v="ü"} 1\n';
    const compressed = gzipSync(text);
    const { url } = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Encoding': 'gzip' });
      response.end(compressed);
    });
    const outcome = await scrapeTarget(target(url));
    assert.ok(outcome.ok);
    assert.equal(outcome.encoding, 'gzip');
    assert.equal(outcome.bytes, compressed.length);
    const read = new PageReader().read(outcome.body, outcome.encoding, 1 << 20);
    assert.ok(read.ok);
    assert.equal(bodyText(read.body), text);
    assert.equal(read.bytes, Buffer.byteLength(text));
  });

  it('follows redirects, as Prometheus does, up to ten; an eleventh fails the target', async () => {
    const hops: string[] = [];
    const { url } = await serve((request, response) => {
      const path = request.url ?? '';
      hops.push(path);
      const hop = Number(/^\/hop\/(\d+)$/.exec(path)?.[1] ?? 0);
      const limit = request.headers['x-prometheus-scrape-timeout-seconds'] === '2' ? 3 : 11;
      if (hop < limit) {
        response.writeHead(hop % 2 === 0 ? 302 : 308, { Location: `/hop/${hop + 1}` });
        response.end();
        return;
      }
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.end(BODY);
    });
    const followed = await scrapeTarget(target(url), { timeoutMs: 2000 });
    assert.ok(followed.ok, JSON.stringify(followed));
    assert.equal(bodyText(followed.body), BODY);
    assert.deepEqual(hops, ['/metrics', '/hop/1', '/hop/2', '/hop/3']);
    hops.length = 0;
    const tooMany = failure(await scrapeTarget(target(url), { timeoutMs: 3000 }));
    assert.equal(tooMany.reason, 'network');
    assert.equal(tooMany.message, 'more than 10 redirects');
    assert.equal(hops.length, 11);
  });

  it('times out a redirect chain as one exchange: the deadline covers every hop', async () => {
    const { url } = await serve((request, response) => {
      if (request.url === '/metrics') {
        response.writeHead(302, { Location: '/stalled' });
        response.end();
      }
      // The second hop never answers.
    });
    const outcome = failure(await scrapeTarget(target(url), { timeoutMs: 150 }));
    assert.equal(outcome.reason, 'timeout');
    assert.equal(outcome.message, 'no response headers within 150 ms');
  });

  it('reports a non-2xx status as http-status', async () => {
    const { url } = await serve((_request, response) => {
      response.writeHead(500);
      response.end('boom');
    });
    const outcome = failure(await scrapeTarget(target(url)));
    assert.equal(outcome.reason, 'http-status');
    assert.equal(outcome.status, 500);
    assert.equal(outcome.message, 'HTTP 500 Internal Server Error');
  });

  it('times out a target that never sends headers', async () => {
    const { url } = await serve(() => {
      // Never answers.
    });
    const outcome = failure(await scrapeTarget(target(url), { timeoutMs: 150 }));
    assert.equal(outcome.reason, 'timeout');
    assert.equal(outcome.message, 'no response headers within 150 ms');
    // It gave up by itself rather than hanging (the bound is generous on purpose).
    assert.ok(outcome.durationMs < 5000, `took ${outcome.durationMs} ms`);
  });

  it('times out a target that sends headers and then trickles the body', async () => {
    const { url } = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/plain' });
      response.write('request_total 1\n');
      const timer = setInterval(() => response.write('#'), 20);
      response.on('close', () => clearInterval(timer));
    });
    const outcome = failure(await scrapeTarget(target(url), { timeoutMs: 200 }));
    assert.equal(outcome.reason, 'timeout');
    assert.match(outcome.message, /^body not complete within 200 ms \(\d+ bytes received\)$/);
    assert.ok(outcome.durationMs < 5000, `took ${outcome.durationMs} ms`);
  });

  it('stops reading a body over the limit, declared or streamed; a gzip bomb is cut off when read', async () => {
    const big = 'x'.repeat(5000);
    const declared = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Length': String(big.length) });
      response.end(big);
    });
    const streamed = await serve((_request, response) => {
      response.writeHead(200);
      for (let i = 0; i < 5; i++) response.write(big.slice(0, 1000));
      response.end();
    });
    const bomb = await serve((_request, response) => {
      response.writeHead(200, { 'Content-Encoding': 'gzip' });
      response.end(gzipSync(Buffer.alloc(4 * 1024 * 1024)));
    });
    for (const { url } of [declared, streamed]) {
      const outcome = failure(await scrapeTarget(target(url), { maxBodyBytes: 1000 }));
      assert.equal(outcome.reason, 'body-too-large', url);
      assert.match(outcome.message, /1000-byte limit/);
    }
    // Small on the wire: its inflating is cut off at the cap when it is read.
    const compressed = await scrapeTarget(target(bomb.url), { maxBodyBytes: 64 * 1024 });
    assert.ok(compressed.ok);
    const read = new PageReader().read(compressed.body, compressed.encoding, 64 * 1024);
    assert.deepEqual(read, { ok: false, reason: 'body-too-large', message: 'body exceeds the 65536-byte limit' });
    const exact = await scrapeTarget(target(streamed.url), { maxBodyBytes: 5000 });
    assert.ok(exact.ok);
  });

  it('reads a chunked page whose Content-Length says it is over the cap: the transfer coding frames it', async () => {
    const raw = createNetServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () => socket.end(`HTTP/1.1 200 OK\r\nContent-Length: 999999\r\nTransfer-Encoding: chunked\r\n\r\n${BODY.length.toString(16)}\r\n${BODY}\r\n0\r\n\r\n`));
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const { port } = raw.address() as AddressInfo;
    try {
      const outcome = await scrapeTarget(target(`http://127.0.0.1:${port}/metrics`), { maxBodyBytes: 1000 });
      assert.ok(outcome.ok, JSON.stringify(outcome));
      assert.equal(bodyText(outcome.body), BODY);
    } finally {
      raw.close();
    }
  });

  it('reports a refused connection as network', async () => {
    const gone = await serve(() => undefined);
    await gone.close();
    const outcome = failure(await scrapeTarget(target(gone.url)));
    assert.equal(outcome.reason, 'network');
    assert.match(outcome.message, /ECONNREFUSED/);
  });

  it('reports an unusable URL as network', async () => {
    const outcome = failure(await scrapeTarget(target('not a url')));
    assert.equal(outcome.reason, 'network');
  });
});

describe('scrapeAll', () => {
  it('never has more than `concurrency` requests in flight, and returns outcomes in target order', async () => {
    let inFlight = 0;
    let peak = 0;
    let requests = 0;
    const { url } = await serve((request, response) => {
      requests++;
      inFlight++;
      peak = Math.max(peak, inFlight);
      setTimeout(() => {
        inFlight--;
        response.end(`up{path="${request.url ?? ''}"} 1\n`);
      }, 25);
    });
    const targets = Array.from({ length: 20 }, (_, i) => target(`${url}?i=${i}`, `pod-${i}`));
    const seen: string[] = [];
    await scrapeEach(targets, { concurrency: 4 }, (outcome) => seen.push(outcome.target.pod));
    assert.equal(requests, 20);
    assert.equal(peak, 4);
    assert.equal(seen.length, 20);
    assert.deepEqual(new Set(seen), new Set(targets.map((t) => t.pod)));
    const outcomes = await scrapeAll(targets, { concurrency: 4 });
    assert.deepEqual(outcomes.map((o) => o.target), targets);
    assert.deepEqual(outcomes.map((o) => (o.ok ? bodyText(o.body) : o.reason)), targets.map((_, i) => `up{path="/metrics?i=${i}"} 1\n`));
  });

  it('lets one bad target fail without holding up the others', async () => {
    const good = await serve((_request, response) => response.end(BODY));
    const hanging = await serve(() => undefined);
    const outcomes = await scrapeAll([target(hanging.url, 'hang'), target(good.url, 'good'), target('http://127.0.0.1:1/metrics', 'refused')], {
      timeoutMs: 200,
    });
    assert.deepEqual(outcomes.map((o) => (o.ok ? 'ok' : o.reason)), ['timeout', 'ok', 'network']);
  });

  it('stops when the signal aborts and does not contact targets it had not started', async () => {
    let requests = 0;
    const { url } = await serve(() => {
      requests++;
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const targets = [target(url, 'a'), target(url, 'b'), target(url, 'c')];
    const outcomes = await scrapeAll(targets, { concurrency: 1, timeoutMs: 10_000, signal: controller.signal });
    assert.deepEqual(outcomes.map((o) => (o.ok ? 'ok' : o.reason)), ['aborted', 'aborted', 'aborted']);
    assert.equal(requests, 1);
    const already = await scrapeAll(targets, { signal: controller.signal });
    assert.deepEqual(already.map((o) => (o.ok ? 'ok' : o.reason)), ['aborted', 'aborted', 'aborted']);
    assert.equal(requests, 1);
  });

  it('finishes every target before rethrowing an error from onResult', async () => {
    const { url } = await serve((_request, response) => response.end(BODY));
    const targets = Array.from({ length: 5 }, (_, i) => target(`${url}?i=${i}`, `pod-${i}`));
    let calls = 0;
    await assert.rejects(
      scrapeEach(targets, { concurrency: 2 }, () => {
        calls++;
        throw new Error('consumer bug');
      }),
      /consumer bug/,
    );
    assert.equal(calls, 5);
  });

  it('returns an empty list for no targets', async () => {
    assert.deepEqual(await scrapeAll([]), []);
  });
});
