// TrafficSplit.history over GraphQL: its arguments' bounds, one stat source call per point for
// every split of an answer, and the weights shown without a weight history.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { onlyError, post, setup } from '../../../test/helpers/graphql-context.js';

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
      ['(range: "20m", step: "30s")', /older than 10m is kept per 1m/],
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
});
