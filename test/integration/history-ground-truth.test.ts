// TrafficSplit.history against the simulator's exact truth: every point of a history is the
// numbers of the traffic sent in its window, through a weight change, with the weights each
// point was configured with. Same path as the other ground-truth tests (real HTTP, virtual time).
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WeightHistory } from '../../src/splits/index.js';
import { flattenRows, ScrapeStatSource, statsHistory } from '../../src/stats/index.js';
import { parseScenarioText } from '../../src/sim/index.js';
import type { GroundTruth } from '../../src/sim/index.js';
import type { ServiceContext } from '../../src/api/index.js';
import { loadGraphQL } from '../../src/api/index.js';
import { startScrapeHarness } from '../helpers/scrape-harness.js';
import type { ScrapeHarness } from '../helpers/scrape-harness.js';
import { assertRowsMatchTruth } from '../helpers/truth-rows.js';

const SCENARIO = `
seed: 11
splits:
  - namespace: shop
    name: checkout
    apiVersion: split.smi-spec.io/v1alpha2
    apex: checkout
    port: 8080
    backends:
      - { service: checkout-v1, weight: 90, pods: 2, successRate: 0.99, latency: { p50: 20ms, p99: 200ms } }
      - { service: checkout-v2, weight: 10, pods: 1, successRate: 0.9, latency: { p50: 35ms, p99: 900ms } }
clients:
  - namespace: shop
    workload: deployment/frontend
    pods: 2
    calls:
      - { split: shop/checkout, rps: 20 }
schedule:
  - after: 35s
    split: shop/checkout
    backends: { checkout-v1: 50, checkout-v2: 50 }
`;

describe('history against the simulator ground truth', () => {
  const open: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const h of open) await h.close();
  });

  /** A baseline, then 6 intervals of 10 s (the weights change at 35 s), with the truth after each. */
  async function run(): Promise<{ h: ScrapeHarness; marks: GroundTruth[]; weights: WeightHistory }> {
    const h = await startScrapeHarness({ scenario: parseScenarioText(SCENARIO) });
    open.push(h);
    const weights = new WeightHistory(h.store, { retentionMs: 3_600_000, now: h.now });
    open.push({ close: () => Promise.resolve(weights.dispose()) });
    await h.baseline();
    const marks = [h.sim.truth()];
    for (let i = 0; i < 6; i++) {
      await h.step();
      marks.push(h.sim.truth());
    }
    return { h, marks, weights };
  }

  it('gives, at every point, exactly the traffic of that point’s window', async () => {
    const { h, marks } = await run();
    const source = new ScrapeStatSource({ window: h.window });
    const points = await statsHistory(source, { splits: h.store.list(), window: { text: '20s', ms: 20_000 } }, { rangeMs: 60_000, stepMs: 20_000 });
    assert.equal(points.length, 3);
    const latest = h.window.latestEndMs ?? 0;
    assert.deepEqual(points.map((point) => latest - point.atMs), [40_000, 20_000, 0]);
    points.forEach((point, i) => {
      const truth = (marks[2 * i + 2] as GroundTruth).since(marks[2 * i] as GroundTruth);
      const rows = flattenRows(point.stats);
      assert.ok(rows.every((row) => row.stats !== null && row.stats.windowSeconds === 20));
      assertRowsMatchTruth(rows, truth);
    });
    // The newest point is what a plain query of that window answers.
    assert.deepEqual(points[2]?.stats, await source.stats({ splits: h.store.list(), window: { text: '20s', ms: 20_000 } }));
  });

  it('answers the same through GraphQL, with the weights each point had and the change marked', async () => {
    const { h, marks, weights } = await run();
    const ctx: ServiceContext = {
      info: { version: 'test', source: 'scrape', mesh: 'linkerd', minWindowMs: 15_000, maxWindowMs: 3_600_000, scrapeIntervalMs: 10_000 },
      store: h.store,
      source: new ScrapeStatSource({ window: h.window }),
      window: h.window,
      weightHistory: weights,
      splitProblems: () => [],
      watchRestarts: () => 0,
      now: h.now,
    };
    const { createGraphQL } = await loadGraphQL();
    const yoga = createGraphQL(ctx);
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: `{ trafficSplits { name history(range: "60s", step: "20s") {
          range step window
          points { at stats { successCount } backends { service weightRatio observedRatio stats { successCount failureCount rps windowSeconds } } }
          weightChanges { kind at after { service weightRatio } }
        } } }`,
      }),
    });
    type Point = { at: string; stats: { successCount: number }; backends: { service: string; weightRatio: number; observedRatio: number; stats: { successCount: number; failureCount: number; rps: number; windowSeconds: number } }[] };
    const body = (await response.json()) as { data: { trafficSplits: { history: { range: string; step: string; window: string; points: Point[]; weightChanges: { kind: string; at: string; after: { weightRatio: number }[] }[] } }[] } };
    const history = body.data.trafficSplits[0]?.history;
    assert.ok(history !== undefined, JSON.stringify(body));
    assert.deepEqual([history.range, history.step, history.window], ['60s', '20s', '20s']);
    assert.equal(history.points.length, 3);
    history.points.forEach((point, i) => {
      const truth = (marks[2 * i + 2] as GroundTruth).since(marks[2 * i] as GroundTruth);
      for (const backend of point.backends) {
        const leaf = truth.select({ namespace: 'shop', split: 'checkout', leaf: backend.service });
        assert.equal(backend.stats.successCount, leaf.success, `${point.at} ${backend.service}`);
        assert.equal(backend.stats.failureCount, leaf.failure, `${point.at} ${backend.service}`);
        assert.equal(backend.stats.rps, leaf.total / 20);
        assert.equal(backend.observedRatio, leaf.total / truth.select({ namespace: 'shop', apex: 'checkout' }).total);
      }
    });
    // Points end at 20, 40 and 60 s; the weights changed at 35 s, seen between 20 and 40 s, so
    // the first point had 90/10 and the last two 50/50.
    assert.deepEqual(history.points.map((point) => point.backends.map((backend) => backend.weightRatio)), [[0.9, 0.1], [0.5, 0.5], [0.5, 0.5]]);
    assert.deepEqual(history.weightChanges.map((change) => [change.kind, change.after.map((backend) => backend.weightRatio)]), [['updated', [0.5, 0.5]]]);
  });
});
