// TrafficSplit.history over GraphQL: its arguments' bounds, one stat source call per point for
// every split of an answer, and the weights shown without a weight history.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ScrapeStatSource } from '../../stats/index.js';
import type { SplitStats, StatQuery, StatSource } from '../../stats/index.js';
import { onlyError, post, setup, split, trafficWindow } from '../../../test/helpers/graphql-context.js';
import { readEventStream } from '../../../test/helpers/sse.js';

const history = (args: string) => `{ trafficSplits(namespace: "default") { name history${args} { points { at backends { service weightRatio observedRatio stats { successCount } } } } } }`;

describe('TrafficSplit.history', () => {
  it('refuses arguments out of bounds, saying what would be accepted', async () => {
    const { yoga } = setup();
    const cases: [string, RegExp][] = [
      ['(step: "10s")', /step "10s" is too short: the minimum is 15s/],
      ['(step: "soon")', /step "soon" is not a duration/],
      ['(range: "30s", step: "1m")', /range "30s" is shorter than its step "1m"/],
      ['(range: "1h", step: "15s")', /240 points: the maximum is 240|is 240 points/],
      ['(range: "1h", step: "14.9s")', /too short/],
      ['(range: "1h1m", step: "15s")', /244 points: the maximum is 240/],
      ['(range: "60m", step: "1m", window: "2m")', /reaches back 1h1m: this server keeps 1h/],
      ['(range: "20m", step: "30s")', /range "20m" with window "30s" reaches back 20m, but history older than 10m is kept per 1m/],
      ['(range: "10m", step: "15s", window: "30s")', /reaches back 10m15s/],
      ['(window: "5s")', /window "5s": metrics time window needs to be at least 15s/],
    ];
    for (const [args, message] of cases) {
      const response = await post(yoga, history(args));
      if (args === '(range: "1h", step: "15s")') {
        // Exactly the maximum is accepted (1h at 15 s, kept per minute beyond 10m: refused for that instead).
        onlyError(response, /older than 10m is kept per 1m/);
        continue;
      }
      const error = onlyError(response, message);
      assert.equal(error.extensions?.['code'], 'BAD_USER_INPUT', args);
    }
    // A long range is fine at a step of a minute.
    const response = await post(yoga, history('(range: "1h", step: "1m")'));
    assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
  });

  it('asks the stat source once per point for all splits of the answer', async () => {
    const { yoga, source } = setup();
    const response = await post(yoga, history('(range: "60s", step: "30s")'));
    assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
    const splits = (response.body.data?.['trafficSplits'] ?? []) as { name: string; history: { points: { at: string }[] } }[];
    assert.deepEqual(splits.map((split) => split.name), ['api', 'web']);
    // The window's intervals end at 30 s and 60 s after the epoch; the newest point ends with the newest.
    assert.deepEqual(splits[1]?.history.points.map((point) => point.at), ['1970-01-01T00:00:30.000Z', '1970-01-01T00:01:00.000Z']);
    // Two points, each one call covering both splits; nothing else was asked.
    assert.deepEqual(source.queries.map((query) => [query.atMs, query.splits.length, query.window.ms]), [[30_000, 2, 30_000], [60_000, 2, 30_000]]);
  });

  it('shows today’s weights at every point when no weight changes are recorded', async () => {
    const { yoga } = setup();
    const response = await post(yoga, history('(range: "60s", step: "30s")'));
    const web = ((response.body.data?.['trafficSplits'] ?? []) as { name: string; history: { points: { backends: { service: string; weightRatio: number; stats: { successCount: number } | null }[] }[] } }[]).find((split) => split.name === 'web');
    assert.deepEqual(web?.history.points.map((point) => point.backends.map((backend) => [backend.service, backend.weightRatio, backend.stats?.successCount ?? null])), [
      // 0–30 s: web-v1 80 ok, web-v2 9 ok; 30–60 s: web-v1 10 ok (batch), web-v2 nothing.
      [['web-v1', 0.9, 80], ['web-v2', 0.1, 9]],
      [['web-v1', 0.9, 10], ['web-v2', 0.1, null]],
    ]);
  });

  it('keeps a backend taken out of the split in the points of its time', async () => {
    const { yoga, store } = setup({ recordWeights: true });
    store.upsert(split('default', 'web', 'web', [['web-v1', 1]], { app: 'web', tier: 'frontend' }));
    const response = await post(yoga, `{ trafficSplit(namespace: "default", name: "web") { backends { service } history(range: "60s", step: "30s") { points { backends { service weightRatio stats { successCount } } } weightChanges { kind } } } }`);
    assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
    const answer = response.body.data?.['trafficSplit'] as { backends: { service: string }[]; history: { points: { backends: { service: string; weightRatio: number | null; stats: { successCount: number } | null }[] }[]; weightChanges: { kind: string }[] } };
    assert.deepEqual(answer.backends.map((backend) => backend.service), ['web-v1']);
    // web-v2 still shows its 9 requests of the first 30 s, with the weight it had then.
    assert.deepEqual(answer.history.points.map((point) => point.backends.map((backend) => [backend.service, backend.weightRatio, backend.stats?.successCount ?? null])), [
      [['web-v1', 0.9, 80], ['web-v2', 0.1, 9]],
      [['web-v1', 0.9, 10], ['web-v2', 0.1, null]],
    ]);
    assert.deepEqual(answer.history.weightChanges.map((change) => change.kind), []);
  });

  it('counts history against the answer: 240 points for all history fields together, and points × items against the size limit', async () => {
    const { yoga, source } = setup();
    // The same window written five ways: five histories, each computed on its own.
    const windows = ['1m', '60s', '1m0s', '60000ms', '60.0s'];
    const aliases = (count: number) => `{ trafficSplits(namespace: "default") { ${windows.slice(0, count).map((window, i) => `h${i}: history(range: "60m", step: "1m", window: "${window}") { range }`).join(' ')} } }`;
    // Four 60-point histories are 240 points: answered.
    const four = await post(yoga, aliases(4));
    assert.equal(four.body.errors, undefined, JSON.stringify(four.body.errors));
    // A fifth is refused, and stops there: the first four's points, nothing more.
    source.queries.length = 0;
    const five = await post(yoga, aliases(5));
    assert.match(five.body.errors?.[0]?.message ?? '', /more than 240 history points/);
    assert.equal(five.body.errors?.[0]?.extensions?.['code'], 'ANSWER_TOO_LARGE');
    assert.ok(source.queries.length <= 240, `${source.queries.length} stat queries`);
    // Each point counts the splits and backends it covers (2 + 4 = 6), beside the 2 splits listed: 16 points fit in 100, 17 do not.
    const small = setup({ maxAnswerItems: 100 });
    const fits = await post(small.yoga, `{ trafficSplits(namespace: "default") { name history(range: "16m", step: "1m") { range } } }`);
    assert.equal(fits.body.errors, undefined, JSON.stringify(fits.body.errors));
    const tooMany = await post(small.yoga, `{ trafficSplits(namespace: "default") { name history(range: "17m", step: "1m") { range } } }`);
    assert.match(tooMany.body.errors?.[0]?.message ?? '', /more than 100 splits and backends/);
  });

  it('stops computing points at the deadline, and lets other requests through meanwhile', async () => {
    let asked = 0;
    const window = trafficWindow();
    const inner = new ScrapeStatSource({ window });
    const slow: StatSource = {
      latestMs: () => inner.latestMs(),
      async stats(query: StatQuery): Promise<SplitStats[]> {
        asked++;
        // Busy, as a large scrape-mode point is: it never waits on anything.
        const until = Date.now() + 25;
        while (Date.now() < until);
        return inner.stats(query);
      },
    };
    const { yoga } = setup({ source: slow, timeoutMs: 300 });
    const started = Date.now();
    const history = post(yoga, `{ trafficSplits(namespace: "default") { history(range: "10m", step: "15s", window: "15s") { range } } }`);
    // Served while the history is computed: a point per turn of the event loop.
    const info = await post(yoga, '{ serverInfo { version } }');
    assert.equal(info.status, 200);
    assert.ok(asked < 40, `answered between points (${asked} computed)`);
    const answer = await history;
    assert.ok(answer.body.errors?.some((error) => error.extensions?.['code'] === 'TIMEOUT' || /timed out|took longer/i.test(error.message)), JSON.stringify(answer.body.errors));
    await new Promise((resolve) => setTimeout(resolve, 200));
    const stoppedAt = asked;
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(asked, stoppedAt, 'no point computed after the deadline');
    assert.ok(asked < 40, `${asked} points computed in ${Date.now() - started} ms`);
  });

  it('answers the rest when one history fails, and refuses bad history arguments once, before any split is listed', async () => {
    const failing: StatSource = {
      latestMs: () => 60_000,
      stats: (query: StatQuery) => (query.atMs === undefined ? new ScrapeStatSource({ window: trafficWindow() }).stats(query) : Promise.reject(new Error('boom'))),
    };
    const { yoga } = setup({ source: failing });
    const answer = await post(yoga, `{ serverInfo { version } trafficSplits(namespace: "default") { name stats { rps } history(range: "1m", step: "30s") { range } } }`);
    const data = answer.body.data as { serverInfo: { version: string }; trafficSplits: { name: string; stats: unknown; history: unknown }[] };
    assert.equal(data.serverInfo.version, '1.2.3');
    assert.deepEqual(data.trafficSplits.map((split) => [split.name, split.history]), [['api', null], ['web', null]]);
    assert.ok(data.trafficSplits.some((split) => split.stats !== null));

    const bad = await post(yoga, `{ trafficSplits { name history(step: "10s") { range } } }`);
    onlyError(bad, /step "10s" is too short/);
  });

  it('refuses a subscription with bad history arguments when it starts, not on every tick', async (t) => {
    const { yoga, source } = setup();
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { trafficSplits(interval: "1s") { name h: history(step: "1s") { range } } }' }),
    });
    const stream = await readEventStream<{ errors?: { message: string; extensions?: Record<string, unknown> }[] }>(t, response);
    const event = await stream.next();
    assert.match(event.errors?.[0]?.message ?? '', /step "1s" is too short/);
    assert.equal(event.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
    await assert.rejects(stream.next(2000), /completed|ended/);
    assert.equal(source.queries.length, 0);
  });
});
