// The scrape's HTTP/1.1 client against servers that write exact bytes: framing (Content-Length,
// chunked, until close), responses split at every byte, interim responses, kept-alive
// connections and when they are not reused, a stale connection retried once, malformed and
// oversized heads, abort, the idle pool's limits, and TLS with certificates checked.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { GetRequest, Http1Client, MAX_HEAD_BYTES } from './http1-client.js';
import type { ResponseHead } from './http1-client.js';

/** What a handler saw, in order, once the exchange is over. */
interface Seen {
  head?: ResponseHead;
  body: string;
  end?: 'complete' | 'cut-short';
  error?: string;
}

interface RawServer {
  readonly url: string;
  readonly port: number;
  /** Every request's bytes, in arrival order. */
  readonly requests: string[];
  connections: number;
  closed: number;
}

type OnRequest = (socket: net.Socket, request: string, index: number, onSocket: number) => unknown;

const sockets = new Set<net.Socket>();
const servers: net.Server[] = [];
after(() => {
  for (const socket of sockets) socket.destroy();
  for (const server of servers) server.close();
});

/** A TCP server on a free loopback port that answers each request (a head ending in a blank line) with `onRequest`. */
async function rawServer(onRequest: OnRequest, secure = false): Promise<RawServer> {
  const state: RawServer = { url: '', port: 0, requests: [], connections: 0, closed: 0 };
  const onConnection = (socket: net.Socket): void => {
    sockets.add(socket);
    state.connections++;
    let buffered = '';
    let onSocket = 0;
    socket.on('close', () => state.closed++);
    socket.on('error', () => undefined);
    socket.on('data', (data: Buffer) => {
      buffered += data.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const request = buffered.slice(0, end + 4);
        buffered = buffered.slice(end + 4);
        state.requests.push(request);
        void onRequest(socket, request, state.requests.length - 1, onSocket++);
      }
    });
  };
  const server = secure
    ? tls.createServer({ cert: readFileSync(new URL('../../test/fixtures/tls/first.crt', import.meta.url)), key: readFileSync(new URL('../../test/fixtures/tls/first.key', import.meta.url)) }, onConnection)
    : net.createServer(onConnection);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, { port, url: `${secure ? 'https' : 'http'}://127.0.0.1:${port}/metrics` });
}

function client(options: Partial<ConstructorParameters<typeof Http1Client>[0]> = {}): Http1Client {
  return new Http1Client({ maxIdlePerOrigin: 4, idleTimeoutMs: 60_000, ...options });
}

/**
 * One GET, to its end, or to a 3 s deadline (then `error` says so); `wantBody` answers onHead,
 * `stopAfter` makes onData refuse once that many bytes came.
 */
function get(http: Http1Client, url: string, { wantBody = true, stopAfter = Infinity, abortAfterMs }: { wantBody?: boolean; stopAfter?: number; abortAfterMs?: number } = {}): Promise<Seen> {
  return new Promise((resolveSeen) => {
    const seen: Seen = { body: '' };
    const deadline = setTimeout(() => resolveSeen({ ...seen, error: 'the exchange did not end within 3 s' }), 3000);
    const resolve = (value: Seen): void => {
      clearTimeout(deadline);
      resolveSeen(value);
    };
    const pending = http.get(new GetRequest(new URL(url), 'X-Test: yes\r\n'), {
      onHead(head) {
        seen.head = head;
        if (!wantBody) setImmediate(() => resolve(seen));
        return wantBody;
      },
      onData(chunk) {
        seen.body += chunk.toString('latin1');
        if (seen.body.length < stopAfter) return true;
        setImmediate(() => resolve(seen));
        return false;
      },
      onEnd(complete) {
        seen.end = complete ? 'complete' : 'cut-short';
        resolve(seen);
      },
      onError(error) {
        seen.error = error.message;
        resolve(seen);
      },
    });
    if (abortAfterMs !== undefined) setTimeout(() => pending.abort(new Error('stopped by the test')), abortAfterMs);
  });
}

const OK = (body: string, extra = ''): string => `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

/** Waits until `check` holds, for at most a second. */
async function eventually(check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 5) {
    if (waited > 1000) assert.fail('the condition did not come true within a second');
    await sleep(5);
  }
}

describe('Http1Client', () => {
  it('sends a GET with Host and the given fields, reads a Content-Length body and reuses the connection', async () => {
    const server = await rawServer((socket) => socket.write(OK('a 1\n')));
    const http = client();
    const first = await get(http, `${server.url}?x=1`);
    const second = await get(http, server.url);
    assert.deepEqual([first.end, first.body, second.end, second.body], ['complete', 'a 1\n', 'complete', 'a 1\n']);
    assert.equal(first.head?.status, 200);
    assert.equal(first.head?.statusText, 'OK');
    assert.equal(first.head?.headers['content-type'], 'text/plain');
    assert.equal(server.requests[0], `GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nX-Test: yes\r\n\r\n`);
    assert.equal(server.connections, 1);
  });

  it('reads a chunked body and a head with bare LF line ends, split at every byte', async () => {
    const responses = [
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;name=value\r\nhello\r\n0A\r\n, 0123456\n\r\n0\r\nExpires: never\r\n\r\n',
      'HTTP/1.1 200 OK\nContent-Length: 5\nX-Repeated: a\nx-repeated: b\n\nhello',
    ];
    for (const response of responses) {
      const split = { at: 1 };
      const server = await rawServer(async (socket) => {
        socket.setNoDelay(true);
        socket.write(response.slice(0, split.at), 'latin1');
        await sleep(3);
        socket.write(response.slice(split.at), 'latin1');
      });
      const http = client();
      for (; split.at < response.length; split.at++) {
        const seen = await get(http, server.url);
        assert.equal(seen.error, undefined, `split at ${split.at}: ${seen.error}`);
        assert.equal(seen.end, 'complete', `split at ${split.at}`);
        assert.equal(seen.body, response.includes('chunked') ? 'hello, 0123456\n' : 'hello', `split at ${split.at}`);
        if (!response.includes('chunked')) assert.equal(seen.head?.headers['x-repeated'], 'a, b');
      }
      // Every response ended where its framing said: one connection served them all.
      assert.equal(server.connections, 1);
    }
  });

  it('skips an interim 1xx response and reads the one after it', async () => {
    const server = await rawServer((socket) => socket.write(`HTTP/1.1 100 Continue\r\n\r\n${OK('late\n')}`));
    const seen = await get(client(), server.url);
    assert.deepEqual([seen.head?.status, seen.body, seen.end], [200, 'late\n', 'complete']);
  });

  it('reads a body without length to the connection close, and does not keep that connection', async () => {
    const server = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\n\r\nall of it\n'));
    const http = client();
    const seen = await get(http, server.url);
    await get(http, server.url);
    assert.deepEqual([seen.body, seen.end], ['all of it\n', 'complete']);
    assert.equal(server.connections, 2);
  });

  it('says when the connection closes before the declared length came', async () => {
    const server = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this'));
    const seen = await get(client(), server.url);
    assert.deepEqual([seen.body, seen.end, seen.error], ['only this', 'cut-short', undefined]);
  });

  it('closes a connection whose server said close, or sent bytes past the response, or HTTP/1.0', async () => {
    for (const response of [OK('x', 'Connection: close\r\n'), `${OK('x')}garbage`, 'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx']) {
      const server = await rawServer((socket) => socket.write(response));
      const http = client();
      const first = await get(http, server.url);
      const second = await get(http, server.url);
      assert.deepEqual([first.body, first.end, second.body, second.end], ['x', 'complete', 'x', 'complete'], response);
      assert.equal(server.connections, 2, response);
    }
  });

  it('keeps the connection of an HTTP/1.0 response that asked for keep-alive, and of a 204', async () => {
    for (const response of ['HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx', 'HTTP/1.1 204 No Content\r\n\r\n']) {
      const server = await rawServer((socket) => socket.write(response));
      const http = client();
      const first = await get(http, server.url);
      await get(http, server.url);
      assert.equal(first.end, 'complete');
      assert.equal(server.connections, 1, response);
    }
  });

  it('sends a GET once more on a new connection when a kept-alive one was closed by the server', async () => {
    // The server answers once per connection and closes a connection's second request unanswered.
    const server = await rawServer((socket, _request, _index, onSocket) => {
      if (onSocket === 0) socket.write(OK('fresh\n'));
      else socket.destroy();
    });
    const http = client();
    await get(http, server.url);
    const again = await get(http, server.url);
    assert.deepEqual([again.body, again.end], ['fresh\n', 'complete']);
    assert.equal(server.requests.length, 3);
    assert.equal(server.connections, 2);
  });

  it('retries on a new connection even when the pool holds more stale ones', async () => {
    // Two kept-alive connections, each answered once; a connection's second request is closed unanswered.
    const server = await rawServer(async (socket, _request, _index, onSocket) => {
      if (onSocket > 0) return socket.destroy();
      await sleep(20);
      socket.write(OK('fresh\n'));
    });
    const http = client();
    await Promise.all([get(http, server.url), get(http, server.url)]);
    assert.equal(server.connections, 2);
    const again = await get(http, server.url);
    assert.deepEqual([again.body, again.end, again.error], ['fresh\n', 'complete', undefined]);
    // The stale one it took, then a new one: not the other stale one in the pool.
    assert.equal(server.requests.length, 4);
    assert.equal(server.connections, 3);
  });

  it('reads a head that comes a byte at a time', async () => {
    const response = `HTTP/1.1 200 OK\r\nX-Slow: ${'s'.repeat(40)}\r\nContent-Length: 3\r\n\r\nabc`;
    const server = await rawServer(async (socket) => {
      socket.setNoDelay(true);
      for (const byte of response) {
        socket.write(byte, 'latin1');
        await sleep(1);
      }
    });
    const seen = await get(client(), server.url);
    assert.deepEqual([seen.head?.headers['x-slow'], seen.body, seen.end], ['s'.repeat(40), 'abc', 'complete']);
  });

  it('calls nothing after onError when the handler aborts from onHead', async () => {
    const server = await rawServer((socket) => socket.write(OK('hello')));
    const events: string[] = [];
    await new Promise<void>((resolve) => {
      const pending = new Http1Client({ maxIdlePerOrigin: 1, idleTimeoutMs: 1000 }).get(new GetRequest(new URL(server.url), ''), {
        onHead: () => {
          events.push('head');
          pending.abort(new Error('deadline'));
          return true;
        },
        onData: (chunk) => events.push(`data ${chunk.toString()}`) > 0,
        onEnd: () => events.push('end'),
        onError: (error) => events.push(`error ${error.message}`),
      });
      setTimeout(resolve, 50);
    });
    assert.deepEqual(events, ['head', 'error deadline']);
  });

  it('does not retry a new connection closed before any response', async () => {
    const server = await rawServer((socket) => socket.destroy());
    const seen = await get(client(), server.url);
    assert.equal(seen.error, 'the connection closed before a response came');
    assert.equal(server.requests.length, 1);
  });

  it('fails malformed and oversized heads, bad lengths and bad chunk sizes with a reason', async () => {
    const cases: [string, RegExp][] = [
      ['SSH-2.0-OpenSSH_9.2\r\n\r\n', /^malformed status line "SSH-2.0-OpenSSH_9.2"$/],
      ['HTTP/1.1 200 OK\r\nno colon here\r\n\r\n', /^malformed header line "no colon here"$/],
      ['HTTP/1.1 200 OK\r\nContent-Length: 5, 6\r\n\r\nhello', /^invalid Content-Length "5, 6"$/],
      ['HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n', /^invalid Content-Length "-1"$/],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', /^invalid chunk size "zz"$/],
      ['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n', /^a chunk longer than its size$/],
      ['HTTP/1.1 101 Switching Protocols\r\n\r\n', /^the server switched protocols$/],
      [`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${`X-T: ${'t'.repeat(1000)}\r\n`.repeat(70)}\r\n`, new RegExp(`^trailers larger than ${MAX_HEAD_BYTES} bytes$`)],
      [`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(MAX_HEAD_BYTES)}\r\n\r\n`, new RegExp(`^response headers larger than ${MAX_HEAD_BYTES} bytes$`)],
    ];
    for (const [response, reason] of cases) {
      const server = await rawServer((socket) => socket.write(response));
      const seen = await get(client(), server.url);
      assert.match(seen.error ?? '', reason, response.slice(0, 60));
      await eventually(() => server.closed === 1);
    }
  });

  it('stops when the handler wants no head body or no more data, closing the connection', async () => {
    const server = await rawServer((socket) => socket.write(OK('0123456789'.repeat(10))));
    const http = client();
    const noBody = await get(http, server.url, { wantBody: false });
    assert.deepEqual([noBody.head?.status, noBody.body, noBody.end], [200, '', undefined]);
    const enough = await get(http, server.url, { stopAfter: 1 });
    assert.equal(enough.end, undefined);
    await eventually(() => server.closed === 2);
  });

  it('aborts a request in flight: the handler hears the reason and the connection is closed', async () => {
    const server = await rawServer((socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc'));
    const seen = await get(client(), server.url, { abortAfterMs: 30 });
    assert.deepEqual([seen.body, seen.error], ['abc', 'stopped by the test']);
    await eventually(() => server.closed === 1);
  });

  it('keeps at most maxIdlePerOrigin idle connections and closes those idle past idleTimeoutMs', async () => {
    const server = await rawServer(async (socket) => {
      await sleep(20);
      socket.write(OK('x'));
    });
    const http = client({ maxIdlePerOrigin: 1, idleTimeoutMs: 100 });
    await Promise.all([get(http, server.url), get(http, server.url), get(http, server.url)]);
    assert.equal(server.connections, 3);
    await eventually(() => server.closed === 2);
    await eventually(() => server.closed === 3);
  });

  it('speaks TLS, checking the certificate against the name asked for', async () => {
    const server = await rawServer((socket) => socket.write(OK('secret\n')), true);
    const trusting = client({ tls: { ca: readFileSync(new URL('../../test/fixtures/tls/first.crt', import.meta.url)) } });
    const byName = await get(trusting, `https://localhost:${server.port}/metrics`);
    const byAddress = await get(trusting, server.url);
    assert.deepEqual([byName.body, byAddress.body], ['secret\n', 'secret\n']);
    const refused = await get(client(), server.url);
    assert.match(refused.error ?? '', /self[- ]signed certificate/);
  });
});
