// The server as a browser-borne attacker meets it, over real sockets with hand-written requests
// (fetch would fix the Host and refuse two Authorization headers): DNS rebinding (a Host the
// attacker owns), cross-origin and form requests, ambiguous credentials, paths that differ from
// the routes only in case or a trailing slash, and the headers every answer must carry.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createApp, listen } from '../../src/api/index.js';
import type { RunningServer } from '../../src/api/index.js';
import { setup } from '../helpers/graphql-context.js';

interface RawAnswer {
  readonly status: number;
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/** One HTTP/1.1 request exactly as written (`headers` in order, repeats kept), and its answer. */
function raw(port: number, method: string, path: string, headers: readonly [string, string][], body = ''): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const lines = [`${method} ${path} HTTP/1.1`, ...headers.map(([name, value]) => `${name}: ${value}`), `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', body];
    // Not end(): a half-closed socket may lose a slow answer (GraphiQL's page loads its bundle first).
    socket.write(lines.join('\r\n'));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${method} ${path}`)));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headerMap = new Map(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine.split(' ')[1]), headers: headerMap, body: rest.join('\r\n\r\n') });
    });
  });
}

const QUERY = JSON.stringify({ query: '{ trafficSplits { name } }' });

describe('request guards', () => {
  let server: RunningServer;
  let port: number;
  const host = (): [string, string] => ['Host', `127.0.0.1:${port}`];

  before(async () => {
    const { ctx } = setup();
    const app = createApp(ctx, { readiness: [], hosts: { clusterDomain: 'cluster.local', allowedHosts: ['splitstat.example.com'] } });
    server = await listen(app, '127.0.0.1', 0);
    port = Number(new URL(server.url).port);
  });
  after(() => server.close());

  it('serves only Hosts no attacker can point here by DNS (no rebinding)', async () => {
    for (const name of ['127.0.0.1', `127.0.0.1:${port}`, `localhost:${port}`, '[::1]:8080', 'splitstat', 'splitstat.splitstat.svc', 'splitstat.splitstat.svc.cluster.local:8080', '10.1.2.3:8080', 'splitstat.example.com']) {
      const answer = await raw(port, 'GET', '/metrics', [['Host', name]]);
      assert.equal(answer.status, 200, name);
    }
    for (const name of ['attacker.example', 'attacker.example:8080', 'splitstat.splitstat.svc.evil.example', 'cluster.local.attacker.example']) {
      const answer = await raw(port, 'POST', '/graphql', [['Host', name], ['Content-Type', 'application/json']], QUERY);
      assert.equal(answer.status, 403, name);
      assert.match(answer.body, /DNS rebinding/);
      assert.ok(!answer.body.includes('trafficSplits'));
    }
    assert.equal((await raw(port, 'GET', '/metrics', [])).status, 400, 'no Host at all');
  });

  it('refuses cross-origin requests, whatever their method, and serves same-origin ones', async () => {
    const post = (extra: [string, string][]) => raw(port, 'POST', '/graphql', [host(), ['Content-Type', 'application/json'], ...extra], QUERY);
    assert.equal((await post([['Origin', 'http://attacker.example']])).status, 403);
    assert.equal((await post([['Origin', `http://localhost:${port}`]])).status, 403, 'another origin of the same machine');
    assert.equal((await post([['Origin', 'null']])).status, 403);
    assert.equal((await post([['Origin', `http://127.0.0.1:${port}`], ['Sec-Fetch-Site', 'same-origin']])).status, 200);
    // A no-cors GET carries no Origin, but the browser still says where it comes from.
    for (const site of ['cross-site', 'same-site']) assert.equal((await raw(port, 'GET', '/metrics', [host(), ['Sec-Fetch-Site', site]])).status, 403, site);
    assert.equal((await raw(port, 'GET', '/metrics', [host(), ['Sec-Fetch-Site', 'none']])).status, 200, 'typed into the address bar');
  });

  it('takes only JSON POSTs on /graphql: an HTML form cannot run a query', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'text/plain']) {
      const answer = await raw(port, 'POST', '/graphql', [host(), ['Content-Type', type]], type.startsWith('application/x') ? `query=${encodeURIComponent('{ trafficSplits { name } }')}` : QUERY);
      assert.equal(answer.status, 415, type);
    }
    const json = await raw(port, 'POST', '/graphql', [host(), ['Content-Type', 'application/json']], QUERY);
    assert.equal(json.status, 200);
    assert.match(json.body, /"trafficSplits"/);
  });

  it('refuses two Authorization headers instead of keeping the first', async () => {
    const answer = await raw(port, 'GET', '/metrics', [host(), ['Authorization', 'Bearer one'], ['Authorization', 'Bearer two']]);
    assert.equal(answer.status, 400);
    assert.match(answer.body, /more than one Authorization header/);
  });

  it('serves each route at its exact path only', async () => {
    for (const path of ['/METRICS', '/metrics/', '/Metrics', '/healthz/', '/HEALTHZ']) assert.equal((await raw(port, 'GET', path, [host()])).status, 404, path);
    assert.equal((await raw(port, 'POST', '/GRAPHQL', [host(), ['Content-Type', 'application/json']], QUERY)).status, 404);
    assert.equal((await raw(port, 'GET', '/healthz', [host()])).status, 200);
  });

  it('marks every answer not to be cached, sniffed or framed, and GraphiQL’s page to load nothing from elsewhere', async () => {
    const answers = [
      await raw(port, 'GET', '/metrics', [host()]),
      await raw(port, 'GET', '/healthz', [host()]),
      await raw(port, 'GET', '/graphql', [host(), ['Accept', 'text/html']]),
      await raw(port, 'GET', '/nowhere', [host()]),
      await raw(port, 'GET', '/metrics', [['Host', 'attacker.example']]),
    ];
    for (const answer of answers) {
      assert.equal(answer.headers.get('x-content-type-options'), 'nosniff', String(answer.status));
      assert.equal(answer.headers.get('cache-control'), 'no-store');
      assert.equal(answer.headers.get('x-frame-options'), 'DENY');
      // Express' own error pages narrow it further (default-src 'none').
      assert.match(answer.headers.get('content-security-policy') ?? '', /default-src '(self|none)'/);
    }
    const graphiql = answers[2];
    assert.match(graphiql?.headers.get('content-type') ?? '', /text\/html/);
    assert.match(graphiql?.headers.get('content-security-policy') ?? '', /default-src 'self';.*connect-src 'self';.*frame-ancestors 'none'/);
    assert.match(graphiql?.body ?? '', /GraphiQL|graphiql/);
  });
});
