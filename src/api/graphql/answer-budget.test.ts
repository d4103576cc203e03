import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLinkerdAdapter } from '../../mesh/index.js';
import { TrafficWindow } from '../../window/index.js';
import { ScrapeStatSource } from '../../stats/index.js';
import type { StatSource } from '../../stats/index.js';
import type { RunningServer } from '../server.js';
import { createApp, listen } from '../server.js';
import { RefusalTally } from './refusal-tally.js';
import { onlyError, post, setup, split } from '../../../test/helpers/graphql-context.js';

/** A split with `count` backends, each with traffic, so every backend has numbers to compute. */
function wideSplit(count: number) {
  const backends = Array.from({ length: count }, (_, i): [string, number] => [`wide-${i}`, 1]);
  const window = new TrafficWindow({ latencyBucketsMs: createLinkerdAdapter().latencyBucketsMs });
  const frontend = { namespace: 'default', kind: 'deployment', name: 'frontend' };
  const interval = window.openInterval();
  for (const [leaf] of backends) {
    const edge = { apexNamespace: 'default', apex: 'wide', leaf };
    interval.addResponses(edge, frontend, 'success', 10);
    for (const bound of window.latencyBucketsMs) if (bound >= 10) interval.addLatency(edge, frontend, bound, 10);
  }
  window.commit(interval, 0, 60_000);
  return { split: split('default', 'wide', 'wide', backends), source: new ScrapeStatSource({ window }) };
}

const BACKENDS = `backends { service weight observedRatio stats { rps successRate latencyMsP99 } }`;

describe('answer budget: splits and backends per answer', () => {
  it('refuses an answer listing more splits and backends than maxAnswerItems, and counts it', async () => {
    const refusals = new RefusalTally();
    const { split: wide, source } = wideSplit(300);
    const { yoga, store } = setup({ source, maxAnswerItems: 1000, refusals });
    store.upsert(wide);
    const one = await post(yoga, `{ trafficSplit(namespace: "default", name: "wide") { ${BACKENDS} } }`);
    assert.equal(one.body.errors, undefined, JSON.stringify(one.body.errors));
    assert.equal((one.body.data?.trafficSplit as { backends: unknown[] }).backends.length, 300);
    // Four aliases of the same split fan out to 1,200 backends: the static limits cannot tell.
    const aliases = Array.from({ length: 4 }, (_, i) => `a${i}: trafficSplit(namespace: "default", name: "wide") { ${BACKENDS} }`).join(' ');
    const response = await post(yoga, `{ ${aliases} }`);
    const error = onlyError(response, /^the answer would list more than 1000 splits and backends; ask for fewer/);
    assert.equal(error.extensions?.code, 'ANSWER_TOO_LARGE');
    assert.equal(response.status, 422);
    assert.deepEqual(
      refusals.entries().filter(([, count]) => count > 0),
      [['answer-size', 1]],
    );
  });

  it('counts the splits of a list too, and an answer within the budget is whole', async () => {
    const { yoga } = setup({ maxAnswerItems: 5 });
    // The test store has five splits: five items without backends, more with them.
    const names = await post(yoga, `{ trafficSplits { name } }`);
    assert.equal((names.body.data?.trafficSplits as unknown[]).length, 5);
    onlyError(await post(yoga, `{ trafficSplits { name backends { service } } }`), /more than 5 splits and backends/);
  });

  it('stops an answer at the time limit although its work never waits on anything', async () => {
    const refusals = new RefusalTally();
    const { split: wide, source } = wideSplit(20_000);
    // CPU-bound from start to end: before answers were paced, the timer could not fire until
    // all of it was done, and the whole late answer was sent.
    const { yoga, store } = setup({ source, timeoutMs: 20, refusals });
    store.upsert(wide);
    const response = await post(yoga, `{ a: trafficSplit(namespace: "default", name: "wide") { ${BACKENDS} } b: trafficSplit(namespace: "default", name: "wide") { ${BACKENDS} } }`);
    assert.equal(onlyError(response, /took longer than 20ms/).extensions?.code, 'TIMEOUT');
    assert.equal(refusals.entries().find(([limit]) => limit === 'timeout')?.[1], 1);
  });
});

describe('answer budget: /healthz and /readyz never wait on a query', () => {
  let server: RunningServer;
  let url: string;
  /** Server-side order of events: when each health answer was sent, when GraphQL's began. */
  const order: string[] = [];
  let health: Promise<unknown>[] = [];
  const { split: wide, source } = wideSplit(20_000);

  before(async () => {
    // The health checks are asked the moment the query has its numbers, so they arrive while
    // its 20,000 backends are being completed.
    const asking: StatSource = {
      stats: (query) => {
        health = ['healthz', 'readyz'].map((path) => fetch(`${url}/${path}`).then((response) => response.text()));
        return source.stats(query);
      },
    };
    const { ctx, store } = setup({ source: asking });
    store.upsert(wide);
    server = await listen(createApp(ctx, { readiness: [], graphql: { timeoutMs: 60_000 } }), '127.0.0.1', 0);
    url = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
    server.server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
      if (request.url === '/graphql') {
        const writeHead = response.writeHead.bind(response);
        response.writeHead = ((...args: Parameters<typeof response.writeHead>) => {
          order.push('graphql');
          return writeHead(...args);
        }) as typeof response.writeHead;
      } else {
        response.on('finish', () => order.push(request.url ?? '?'));
      }
    });
  });
  after(() => server.close());

  it('answers health checks while a 20,000-backend answer is being built', async () => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ trafficSplit(namespace: "default", name: "wide") { ${BACKENDS} } }` }),
    });
    const body = (await response.json()) as { data?: { trafficSplit?: { backends: unknown[] } } };
    assert.equal(body.data?.trafficSplit?.backends.length, 20_000);
    assert.deepEqual(await Promise.all(health), ['ok\n', 'ready\n']);
    assert.deepEqual(order.slice(0, 2).sort(), ['/healthz', '/readyz']);
    assert.equal(order[2], 'graphql');
  });
});
