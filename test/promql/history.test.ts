// History in prometheus mode: each point is the same batched PromQL evaluated at that point's
// instant (the range vectors then end there), the newest at the source's now.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { InstantQueryOptions, VectorSample } from '../../src/promql/index.js';
import { PrometheusStatSource, statsHistory } from '../../src/stats/index.js';
import { trafficSplit } from './helpers.js';

describe('history from a Prometheus', () => {
  it('evaluates every query of a point at that point’s instant, a few points at a time', async () => {
    const NOW = 1_700_000_600_000;
    const asked: { promql: string; timeMs: number | undefined }[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const client = {
      async query(promql: string, options: InstantQueryOptions = {}): Promise<VectorSample[]> {
        asked.push({ promql, timeMs: options.timeMs });
        inFlight++;
        mostInFlight = Math.max(mostInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        // A success count for web-v1 that grows with the instant, so points differ.
        if (!promql.includes('response_total')) return [];
        return [{ metric: { splitstat_split: 'web.prod', dst_namespace: 'prod', dst_service: 'web-v1', classification: 'success', tls: 'true' }, value: (options.timeMs ?? 0) / 1e9 }];
      },
    };
    const source = new PrometheusStatSource({ client, concurrency: 1, now: () => NOW });
    const web = trafficSplit('prod', 'web-split', 'web', { 'web-v1': 1, 'web-v2': 1 });
    const points = await statsHistory(source, { splits: [web], window: { text: '1m', ms: 60_000 } }, { rangeMs: 300_000, stepMs: 60_000 });
    const instants = [NOW - 240_000, NOW - 180_000, NOW - 120_000, NOW - 60_000, NOW];
    assert.deepEqual(points.map((point) => point.atMs), instants);
    // The same queries (a probe, counts, buckets) for every point, each at its point's instant.
    const at = (instant: number) => asked.filter((query) => query.timeMs === instant).map((query) => query.promql).sort();
    assert.deepEqual([...new Set(asked.map((query) => query.timeMs))].sort(), instants);
    assert.equal(asked.length, 3 * instants.length);
    for (const instant of instants) assert.deepEqual(at(instant), at(NOW));
    const windowed = asked.filter((query) => !query.promql.startsWith('count('));
    assert.equal(windowed.length, 2 * instants.length);
    assert.ok(windowed.every((query) => query.promql.includes('[1m]')));
    assert.ok(mostInFlight <= 4, `at most 4 points at once, saw ${mostInFlight}`);
    // Each point's numbers are its instant's answer.
    points.forEach((point) => {
      const v1 = point.stats[0]?.rows.find((row) => row.leaf === 'web-v1');
      assert.equal(v1?.stats?.successCount, Math.round(point.atMs / 1e9), `${point.atMs}`);
    });
    assert.equal(source.latestMs(), NOW);
  });
});
