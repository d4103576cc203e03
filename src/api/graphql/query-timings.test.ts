import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import type { SplitStats, StatQuery, StatSource } from '../../stats/index.js';
import { createMetricsRegistry } from '../metrics/index.js';
import { QUERY_DURATION_BOUNDS, QueryTimings } from './query-timings.js';
import { RefusalTally } from './refusal-tally.js';
import { post, setup } from '../../../test/helpers/graphql-context.js';
import { readEventStream } from '../../../test/helpers/sse.js';

/** A source that answers after `delayMs`, so a query's duration is known to be at least that. */
class SlowSource implements StatSource {
  constructor(readonly delayMs: number) {}

  async stats(query: StatQuery): Promise<SplitStats[]> {
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return query.splits.map((split) => ({ split, total: null, rows: [] }));
  }
}

describe('QueryTimings', () => {
  it('keeps cumulative counts per bound and the sum, ignoring values that are no duration', () => {
    const timings = new QueryTimings();
    for (const seconds of [0.001, 0.005, 0.3, 11, -1, Number.NaN]) timings.observe(seconds);
    const { buckets, sum } = timings.snapshot();
    assert.equal(buckets.length, QUERY_DURATION_BOUNDS.length + 1);
    // ≤ 0.005: two (the bound is inclusive); ≤ 0.5: three; +Inf: four.
    assert.equal(buckets[QUERY_DURATION_BOUNDS.indexOf(0.005)], 2);
    assert.equal(buckets[QUERY_DURATION_BOUNDS.indexOf(0.25)], 2);
    assert.equal(buckets[QUERY_DURATION_BOUNDS.indexOf(0.5)], 3);
    assert.equal(buckets[QUERY_DURATION_BOUNDS.indexOf(10)], 3);
    assert.equal(buckets[QUERY_DURATION_BOUNDS.length], 4);
    assert.ok(Math.abs(sum - 11.306) < 1e-9, String(sum));
  });

  it('times every query, including how long it waited for its source, and no subscription', async (t: TestContext) => {
    const queryTimings = new QueryTimings();
    const { yoga, ctx } = setup({ source: new SlowSource(60), queryTimings });
    const stats = await post(yoga, '{ trafficSplits { name backends { stats { rps } } } }');
    assert.equal(stats.body.errors, undefined, JSON.stringify(stats.body.errors));
    assert.equal((await post(yoga, '{ serverInfo { version } }')).body.errors, undefined);
    // Refused before running: counted as a refusal, not timed.
    assert.equal((await post(yoga, `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: serverInfo { version }`).join(' ')} }`)).status, 400);
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { trafficSplits(interval: "1s") { name } }' }),
    });
    const stream = await readEventStream(t, response);
    await stream.next();
    await stream.cancel();

    const { buckets, sum } = queryTimings.snapshot();
    assert.equal(buckets[QUERY_DURATION_BOUNDS.length], 2, 'two queries timed');
    assert.equal(buckets[QUERY_DURATION_BOUNDS.indexOf(0.05)], 1, 'the stats query waited 60 ms, so only serverInfo is under 50 ms');
    assert.ok(sum >= 0.06, String(sum));

    const registry = createMetricsRegistry(ctx, { collectDefaultMetrics: false, graphql: { refusals: new RefusalTally(), queryTimings } });
    const text = await registry.metrics();
    assert.match(text, /^# TYPE splitstat_graphql_query_duration_seconds histogram$/m);
    assert.match(text, /^splitstat_graphql_query_duration_seconds_bucket\{le="0\.05"\} 1$/m);
    assert.match(text, /^splitstat_graphql_query_duration_seconds_bucket\{le="\+Inf"\} 2$/m);
    assert.match(text, /^splitstat_graphql_query_duration_seconds_count 2$/m);
  });
});
