// PrometheusClient against a fake Prometheus on loopback: the request it sends (POST form,
// time, auth, headers) and one clear PrometheusError for every way an answer can go wrong.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusClient, PrometheusError } from '../../src/promql/index.js';
import { PrometheusStatSource } from '../../src/stats/index.js';
import { startFakePrometheus } from './fake-prometheus.js';
import type { FakePrometheus } from './fake-prometheus.js';
import { closedPort, trafficSplit } from './helpers.js';

let prometheus: FakePrometheus;
before(async () => {
  prometheus = await startFakePrometheus([{ name: 'response_total', labels: { direction: 'outbound', classification: 'success' }, value: 2.5 }]);
});
after(async () => {
  await prometheus.close();
});
beforeEach(() => {
  prometheus.received.length = 0;
  prometheus.override = undefined;
});

const QUERY = 'sum(increase(response_total{direction="outbound"}[1m])) by (classification)';

async function rejection(promise: Promise<unknown>): Promise<PrometheusError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PrometheusError, `a PrometheusError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a rejection');
}

function answer(status: number, body: unknown): void {
  prometheus.override = () => ({ status, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

describe('PrometheusClient', () => {
  it('keeps only string label values of a sample, and NaN/±Inf values as numbers', async () => {
    answer(200, {
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: { le: '+Inf', odd: 7, dst_service: 'web-v1' }, value: [1, 'NaN'] },
          { metric: { le: '10' }, value: [1, '+Inf'] },
          { metric: {}, value: [1, '-Inf'] },
        ],
      },
    });
    const samples = await new PrometheusClient({ url: prometheus.url }).query(QUERY);
    assert.deepEqual(samples.map((sample) => sample.metric), [{ le: '+Inf', dst_service: 'web-v1' }, { le: '10' }, {}]);
    assert.ok(Number.isNaN(samples[0]?.value));
    assert.deepEqual(samples.slice(1).map((sample) => sample.value), [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  });

  it('POSTs the query as a form with the evaluation time and parses the vector', async () => {
    const client = new PrometheusClient({ url: `${prometheus.url}/` });
    const samples = await client.query(QUERY, { timeMs: 1_700_000_000_123 });
    assert.deepEqual(samples, [{ metric: { classification: 'success' }, value: 2.5 }]);
    const [received] = prometheus.received;
    assert.equal(received?.method, 'POST');
    assert.equal(received?.path, '/api/v1/query');
    assert.equal(received?.query, QUERY);
    assert.equal(received?.time, '1700000000.123');
    assert.equal(received?.headers['content-type'], 'application/x-www-form-urlencoded');
  });

  it('keeps a path prefix (Prometheus behind a proxy, Mimir /prometheus)', async () => {
    await new PrometheusClient({ url: `${prometheus.url}/prometheus` }).query(QUERY);
    assert.equal(prometheus.received[0]?.path, '/prometheus/api/v1/query');
  });

  it('sends basic auth from the URL, a bearer token and custom headers', async () => {
    const url = new URL(prometheus.url);
    url.username = 'ops';
    url.password = 's3cr:et';
    const basic = new PrometheusClient({ url: url.toString(), headers: { 'X-Scope-OrgID': 'tenant-1' } });
    assert.equal(basic.label, `Prometheus at ${prometheus.url}`, 'credentials never appear in messages');
    await basic.query(QUERY);
    assert.equal(prometheus.received[0]?.headers.authorization, `Basic ${Buffer.from('ops:s3cr:et').toString('base64')}`);
    assert.equal(prometheus.received[0]?.headers['x-scope-orgid'], 'tenant-1');
    await new PrometheusClient({ url: prometheus.url, bearerToken: 'tok-123' }).query(QUERY);
    assert.equal(prometheus.received[1]?.headers.authorization, 'Bearer tok-123');
  });

  it('reports a Prometheus that is down', async () => {
    const port = await closedPort();
    const error = await rejection(new PrometheusClient({ url: `http://127.0.0.1:${port}` }).query(QUERY));
    assert.match(error.message, new RegExp(`^Prometheus at http://127\\.0\\.0\\.1:${port}: cannot connect: .*ECONNREFUSED`));
  });

  it('reports a Prometheus that does not answer in time', async () => {
    prometheus.override = () => 'hang';
    const error = await rejection(new PrometheusClient({ url: prometheus.url, timeoutMs: 200 }).query(QUERY));
    assert.equal(error.message, `Prometheus at ${prometheus.url}: no answer within 0.2s`);
  });

  it('reports 400 bad_data with Prometheus\' own message', async () => {
    answer(400, { status: 'error', errorType: 'bad_data', error: '1:5: parse error: unexpected "}"' });
    const error = await rejection(new PrometheusClient({ url: prometheus.url }).query(QUERY));
    assert.equal(error.message, `Prometheus at ${prometheus.url}: bad_data: 1:5: parse error: unexpected "}"`);
  });

  it('reports a 503 timeout error and a 500 that is not JSON', async () => {
    answer(503, { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' });
    assert.equal((await rejection(new PrometheusClient({ url: prometheus.url }).query(QUERY))).message, `Prometheus at ${prometheus.url}: timeout: query timed out in expression evaluation`);
    answer(500, '<html>\n<body>Internal Server Error</body></html>');
    assert.equal((await rejection(new PrometheusClient({ url: prometheus.url }).query(QUERY))).message, `Prometheus at ${prometheus.url}: answered HTTP 500: <html> <body>Internal Server Error</body></html>`);
  });

  it('refuses partial answers (warnings) rather than show numbers missing part of the data', async () => {
    answer(200, { status: 'success', warnings: ['store gateway unavailable'], data: { resultType: 'vector', result: [] } });
    const error = await rejection(new PrometheusClient({ url: prometheus.url }).query(QUERY));
    assert.equal(error.message, `Prometheus at ${prometheus.url}: partial answer refused: store gateway unavailable`);
  });

  it('reports answers that are not the API (a login page, a matrix)', async () => {
    answer(200, '<html>login</html>');
    assert.match((await rejection(new PrometheusClient({ url: prometheus.url }).query(QUERY))).message, /answered with something that is not the Prometheus API JSON: <html>login/);
    answer(200, { status: 'success', data: { resultType: 'matrix', result: [] } });
    assert.match((await rejection(new PrometheusClient({ url: prometheus.url }).query(QUERY))).message, /expected an instant vector, got matrix/);
  });

  it('rejects URLs that are not http(s)', () => {
    assert.throws(() => new PrometheusClient({ url: 'prometheus:9090' }), PrometheusError);
    assert.throws(() => new PrometheusClient({ url: 'nope' }), /is not a URL/);
  });

  it('makes the stat source reject with the same error, after at most the timeout', async () => {
    prometheus.override = () => 'hang';
    const statSource = new PrometheusStatSource({ client: new PrometheusClient({ url: prometheus.url, timeoutMs: 150 }) });
    const started = Date.now();
    const error = await rejection(statSource.stats({ splits: [trafficSplit('prod', 'web', 'web', { 'web-v1': 1 })], window: { text: '1m', ms: 60_000 } }));
    assert.match(error.message, /no answer within 0\.15s/);
    assert.ok(Date.now() - started < 5000);
  });
});
