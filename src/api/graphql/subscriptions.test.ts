import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { ScrapeStatSource } from '../../stats/index.js';
import type { SplitStats, StatQuery, StatSource } from '../../stats/index.js';
import type { GraphQLServer } from './create-graphql.js';
import { NOW_MS, setup, split, trafficWindow } from '../../../test/helpers/graphql-context.js';
import type { GraphQLResponse } from '../../../test/helpers/graphql-context.js';
import { readEventStream } from '../../../test/helpers/sse.js';
import type { EventStream as SseStream } from '../../../test/helpers/sse.js';

/** How long any single wait may take before the test fails instead of hanging. */
const READ_TIMEOUT_MS = 5000;

type EventStream = SseStream<GraphQLResponse['body']>;

/** A GraphQL-over-SSE client over yoga.fetch: no socket. */
async function subscribe(t: TestContext, yoga: GraphQLServer, query: string, variables: Record<string, unknown> = {}): Promise<EventStream> {
  const response = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query, variables }),
  });
  return readEventStream<GraphQLResponse['body']>(t, response);
}

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

/** Lets pending cancellations and unsubscriptions run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + READ_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const SPLITS = `subscription($interval: String, $window: String) {
  trafficSplits(namespace: "default", interval: $interval, window: $window) {
    name backends { service stats { successCount window } }
  }
}`;

type SplitsEvent = { trafficSplits: { name: string; backends: { service: string; stats: { successCount: number; window: string } | null }[] }[] };

describe('Subscription.trafficSplits', { timeout: 30_000 }, () => {
  it('pushes the query answer every interval, sees store changes, and releases its timers on disconnect', async (t) => {
    const { yoga, store, source } = setup();
    const timersBefore = activeTimers();
    const stream = await subscribe(t, yoga, SPLITS, { interval: '1s', window: '30s' });
    assert.equal(stream.status, 200);

    const first = (await stream.next()) as { data: SplitsEvent };
    const firstAt = Date.now();
    assert.deepEqual(
      first.data.trafficSplits.map((s) => s.name),
      ['api', 'web'],
    );
    assert.deepEqual(first.data.trafficSplits[1]?.backends, [
      { service: 'web-v1', stats: { successCount: 10, window: '30s' } },
      { service: 'web-v2', stats: null },
    ]);

    store.upsert(split('default', 'canary', 'web', [['web-v1', 1]]));
    const second = (await stream.next()) as { data: SplitsEvent };
    const gap = Date.now() - firstAt;
    assert.ok(gap >= 900, `second event after ${gap} ms, interval is 1s`);
    assert.deepEqual(
      second.data.trafficSplits.map((s) => s.name),
      ['api', 'canary', 'web'],
    );
    assert.equal(source.queries.length, 2, 'one stat source call per tick');

    await stream.cancel();
    await settle();
    assert.equal(activeTimers(), timersBefore, 'no tick or keep-alive timer left');
    await sleep(1200);
    assert.equal(source.queries.length, 2, 'no tick after the client left');
  });

  it('reports a failed or timed-out tick as an error event and keeps going', async (t) => {
    const window = trafficWindow();
    const real = new ScrapeStatSource({ window });
    let calls = 0;
    const flaky: StatSource = {
      stats(query: StatQuery): Promise<SplitStats[]> {
        calls++;
        if (calls === 1) return new Promise(() => {});
        if (calls === 2) return Promise.reject(new Error('prometheus at 10.1.2.3 is down'));
        return real.stats(query);
      },
    };
    const { yoga } = setup({ source: flaky, timeoutMs: 100 });
    const stream = await subscribe(t, yoga, SPLITS, { interval: '1s' });

    const timedOut = await stream.next();
    assert.equal(timedOut.errors?.[0]?.extensions?.code, 'TIMEOUT');
    assert.match(timedOut.errors?.[0]?.message ?? '', /took longer than 100ms/);

    const failed = await stream.next();
    assert.deepEqual(
      failed.errors?.map((e) => e.message),
      ['Unexpected error.'],
    );
    assert.doesNotMatch(JSON.stringify(failed), /10\.1\.2\.3/);

    const recovered = (await stream.next()) as { data: SplitsEvent };
    assert.equal(recovered.data.trafficSplits[1]?.backends[0]?.stats?.successCount, 90);
    await stream.cancel();
  });

  it('rejects a bad interval, window or selector before streaming anything', async (t) => {
    const { yoga, source } = setup();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ interval: '500ms' }, /^interval "500ms" is too short: the minimum is 1s$/],
      [{ interval: '2h' }, /^interval "2h" is too long: the maximum is 1h$/],
      [{ interval: 'soon' }, /^interval "soon" is not a duration/],
      [{ window: '10s' }, /^window "10s": metrics time window needs to be at least 15s$/],
    ];
    for (const [variables, message] of cases) {
      const stream = await subscribe(t, yoga, SPLITS, variables);
      const event = await stream.next();
      assert.match(event.errors?.[0]?.message ?? '', message, JSON.stringify(variables));
      assert.equal(event.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      await stream.cancel();
    }
    const bad = await subscribe(t, yoga, `subscription { trafficSplits(labelSelector: "a in") { name } }`);
    assert.equal((await bad.next()).errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    await bad.cancel();
    assert.equal(source.queries.length, 0);
  });
});

const CHANGES = `subscription($namespace: String, $names: [String!]) {
  weightChanges(namespace: $namespace, names: $names) {
    namespace name at kind splitKind
    before { service weight weightRatio }
    after { service weight weightRatio }
  }
}`;

describe('Subscription.weightChanges', { timeout: 30_000 }, () => {
  it('streams created, updated and deleted splits, skips changes that leave weights alone, and detaches on disconnect', async (t) => {
    const { yoga, store } = setup();
    const stream = await subscribe(t, yoga, CHANGES, { namespace: 'default' });
    await until(() => store.listeners === 1, 'the subscription to listen');
    const at = new Date(NOW_MS).toISOString();

    store.upsert(split('default', 'canary', 'shop', [['shop-v1', 1]]));
    // Relabelled, and the same weights written differently and in another order: no change.
    store.upsert(split('default', 'web', 'web', [['web-v2', '10'], ['web-v1', 90]], { app: 'web', tier: 'edge' }));
    // Another namespace: filtered out.
    store.upsert(split('prod', 'web', 'web', [['web-stable', 1], ['web-next', 1]]));
    store.upsert(split('default', 'web', 'web', [['web-v1', 50], ['web-v2', 50]]));
    store.delete('default/canary');

    assert.deepEqual((await stream.next()).data, {
      weightChanges: { namespace: 'default', name: 'canary', at, kind: 'created', splitKind: 'TrafficSplit', before: [], after: [{ service: 'shop-v1', weight: '1', weightRatio: 1 }] },
    });
    assert.deepEqual((await stream.next()).data, {
      weightChanges: {
        namespace: 'default',
        name: 'web',
        at,
        kind: 'updated', splitKind: 'TrafficSplit',
        before: [
          { service: 'web-v2', weight: '10', weightRatio: 0.1 },
          { service: 'web-v1', weight: '90', weightRatio: 0.9 },
        ],
        after: [
          { service: 'web-v1', weight: '50', weightRatio: 0.5 },
          { service: 'web-v2', weight: '50', weightRatio: 0.5 },
        ],
      },
    });
    assert.deepEqual((await stream.next()).data, {
      weightChanges: { namespace: 'default', name: 'canary', at, kind: 'deleted', splitKind: 'TrafficSplit', before: [{ service: 'shop-v1', weight: '1', weightRatio: 1 }], after: [] },
    });

    await stream.cancel();
    await until(() => store.listeners === 0, 'the store listener to be removed');
  });

  it('keeps only the named splits', async (t) => {
    const { yoga, store } = setup();
    const stream = await subscribe(t, yoga, CHANGES, { names: ['api'] });
    await until(() => store.listeners === 1, 'the subscription to listen');
    store.upsert(split('default', 'web', 'web', [['web-v1', 1]]));
    store.upsert(split('default', 'api', 'api', [['api-v1', 1]]));
    const event = (await stream.next()) as { data: { weightChanges: { name: string; kind: string } } };
    assert.deepEqual([event.data.weightChanges.name, event.data.weightChanges.kind], ['api', 'updated']);
    await stream.cancel();
    await until(() => store.listeners === 0, 'the store listener to be removed');
  });

  it('never listens when the client leaves before reading anything', async () => {
    const { yoga, store } = setup();
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: CHANGES }),
    });
    assert.equal(response.status, 200);
    // Yoga's SSE stream only sets up its iterator once read, and its cancel() then fails on the
    // missing iterator (a TypeError this client may ignore): the point is that nothing listens.
    await response.body?.cancel().catch(() => {});
    await settle();
    assert.equal(store.listeners, 0);
  });

  it('detaches when the stream is cancelled before any change', async (t) => {
    const { yoga, store } = setup();
    const stream = await subscribe(t, yoga, CHANGES);
    await until(() => store.listeners === 1, 'the subscription to listen');
    await stream.cancel();
    await until(() => store.listeners === 0, 'the store listener to be removed');
  });
});
