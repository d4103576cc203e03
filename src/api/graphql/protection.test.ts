import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getIntrospectionQuery } from 'graphql';
import type { SplitStats, StatSource } from '../../stats/index.js';
import { DEFAULT_QUERY } from './graphiql.js';
import { onlyError, post, setup } from '../../../test/helpers/graphql-context.js';
import type { GraphQLResponse } from '../../../test/helpers/graphql-context.js';

describe('query limits', { timeout: 30_000 }, () => {
  const { yoga, source } = setup();

  it('lets the GraphiQL default query and the introspection query through', async () => {
    const defaultQuery = await post(yoga, DEFAULT_QUERY);
    assert.equal(defaultQuery.status, 200);
    assert.equal(defaultQuery.body.errors, undefined, JSON.stringify(defaultQuery.body.errors));
    const introspection = await post(yoga, getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
    assert.equal(introspection.body.errors, undefined, JSON.stringify(introspection.body.errors));
  });

  it('rejects a query nested deeper than maxDepth', async () => {
    // Only introspection types nest without end: __type(1) fields(2) type(3) name(4) + k ofType.
    const nested = (k: number) => `{ __type(name: "Query") { fields { type { ${'ofType { '.repeat(k)}name${' }'.repeat(k)} } } } }`;
    const response = await post(yoga, nested(7));
    assert.equal(response.status, 400);
    assert.equal(onlyError(response, /^Query depth limit of 10 exceeded, found 11\.$/).extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.equal((await post(yoga, nested(6))).body.errors, undefined, 'depth 10 is allowed');
  });

  it('counts fragments as the levels they add, not as levels of their own', async () => {
    const fragments = Array.from({ length: 12 }, (_, i) => `fragment F${i} on TrafficSplit { ${i === 11 ? 'name' : `...F${i + 1}`} }`);
    const response = await post(yoga, `{ trafficSplits { ...F0 } } ${fragments.join(' ')}`);
    assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
  });

  it('rejects more than maxAliases aliases', async () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: serverInfo { version }`).join(' ')} }`;
    assert.equal((await post(yoga, aliases(15))).body.errors, undefined);
    const response = await post(yoga, aliases(16));
    assert.equal(response.status, 400);
    assert.equal(onlyError(response, /^Aliases limit of 15 exceeded, found 16\.$/).extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
  });

  it('rejects a query whose estimated cost is above maxCost', async () => {
    const { yoga: cheap } = setup({ maxCost: 20 });
    const response = await post(cheap, `{ trafficSplits { namespace name apex backends { service weight weightRatio observedRatio stats { rps successRate latencyMsP99 } } } }`);
    assert.equal(response.status, 400);
    assert.equal(onlyError(response, /^Query Cost limit of 20 exceeded, found 33\.125\.$/).extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.equal((await post(cheap, `{ serverInfo { version } }`)).body.errors, undefined);
  });

  it('stops parsing at maxTokens tokens', async () => {
    const response = await post(yoga, `{ ${'serverInfo { version } '.repeat(300)} }`);
    assert.equal(response.status, 400);
    onlyError(response, /Token limit of 1000 exceeded/);
  });

  it('never runs a rejected query', () => {
    assert.equal(source.queries.length, 1, 'only the default query asked for numbers');
  });
});

describe('request body limit', { timeout: 30_000 }, () => {
  const { yoga } = setup({ maxBodyBytes: 1024 });
  const big = JSON.stringify({ query: `{ serverInfo { version } }`, variables: { padding: 'x'.repeat(2000) } });

  it('refuses a body whose Content-Length is over the limit with 413, before reading it', async () => {
    // Served in 100-byte chunks: a stream is asked for one chunk ahead by itself, so more than
    // two pulls would mean the server read the body.
    const encoded = new TextEncoder().encode(big);
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = encoded.slice(pulls * 100, ++pulls * 100);
        if (chunk.length > 0) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(encoded.length) },
      body,
      duplex: 'half',
    } as RequestInit);
    assert.equal(response.status, 413);
    const error = onlyError({ status: response.status, body: (await response.json()) as GraphQLResponse['body'] }, /^Request body too large$/);
    assert.equal(error.extensions?.code, 'REQUEST_ENTITY_TOO_LARGE');
    assert.ok(pulls <= 2, `${pulls} chunks read`);
  });

  it('cuts off a body without Content-Length once it passes the limit', async () => {
    const encoded = new TextEncoder().encode(big);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < encoded.length; i += 256) controller.enqueue(encoded.slice(i, i + 256));
        controller.close();
      },
    });
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    assert.equal(response.status, 413);
  });

  it('accepts a body under the limit', async () => {
    const response = await post(yoga, `{ serverInfo { version } }`);
    assert.equal(response.status, 200);
  });
});

describe('error masking', { timeout: 30_000 }, () => {
  class FailingSource implements StatSource {
    stats(): Promise<SplitStats[]> {
      return Promise.reject(new Error('connect ECONNREFUSED 10.0.0.7:9090 (prometheus.monitoring.svc)'));
    }
  }

  it('hides internal errors from clients and logs them', async () => {
    const { yoga, logged } = setup({ source: new FailingSource() });
    const response = await post(yoga, `{ trafficSplits { name stats { rps } } }`);
    const error = onlyError(response, /^Unexpected error\.$/);
    assert.equal(error.extensions?.code, 'INTERNAL_SERVER_ERROR');
    assert.doesNotMatch(JSON.stringify(response.body), /ECONNREFUSED|10\.0\.0\.7|prometheus/);
    assert.match(logged.map((entry) => entry.map(String).join(' ')).join('\n'), /ECONNREFUSED 10\.0\.0\.7/);
  });

  it('reports a failing stat source once for the whole list, however the numbers are asked for', async () => {
    const { yoga } = setup({ source: new FailingSource() });
    for (const query of [
      `{ trafficSplits { name stats { rps } backends { stats { rps } } } }`,
      `{ trafficSplits { ...S } } fragment S on TrafficSplit { backends { ... on Backend { observedRatio } } }`,
    ]) {
      const response = await post(yoga, query);
      assert.deepEqual(onlyError(response, /^Unexpected error\.$/).path, ['trafficSplits'], query);
      assert.equal(response.body.data, null);
    }
  });

  it('keeps errors the caller can fix visible', async () => {
    const { yoga, logged } = setup({ source: new FailingSource() });
    const response = await post(yoga, `{ trafficSplits(window: "1d") { name } }`);
    assert.equal(onlyError(response, /^window "1d": time: unknown unit "d" in duration "1d" \(use Go duration syntax/).extensions?.code, 'BAD_USER_INPUT');
    assert.deepEqual(logged, []);
  });

  it('still answers fields that need no numbers when the stat source is down', async () => {
    const { yoga } = setup({ source: new FailingSource() });
    const { body } = await post(yoga, `{ trafficSplits(namespace: "prod") { name backends { service weight } } }`);
    assert.deepEqual(body, { data: { trafficSplits: [{ name: 'web', backends: [{ service: 'web-stable', weight: '1' }] }] } });
  });
});

describe('request timeout', { timeout: 30_000 }, () => {
  class HangingSource implements StatSource {
    calls = 0;
    stats(): Promise<SplitStats[]> {
      this.calls++;
      return new Promise(() => {});
    }
  }

  it('answers with a TIMEOUT error and 504 when the stat source does not answer in time', async () => {
    const hanging = new HangingSource();
    const { yoga } = setup({ source: hanging, timeoutMs: 100 });
    const started = Date.now();
    const response = await post(yoga, `{ trafficSplits { name stats { rps } } }`);
    const elapsed = Date.now() - started;
    assert.equal(response.status, 504);
    const error = onlyError(response, /^the request took longer than 100ms and was abandoned/);
    assert.equal(error.extensions?.code, 'TIMEOUT');
    assert.equal(hanging.calls, 1);
    assert.ok(elapsed >= 90 && elapsed < 5000, `answered after ${elapsed} ms`);
  });

  it('does not delay queries that finish in time', async () => {
    const { yoga } = setup({ timeoutMs: 5000 });
    const started = Date.now();
    assert.equal((await post(yoga, `{ trafficSplits { stats { rps } } }`)).status, 200);
    assert.ok(Date.now() - started < 4000);
  });
});
