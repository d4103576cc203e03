import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { LINKERD_LATENCY_BUCKETS_MS } from '../../mesh/index.js';
import { createMetricsRegistry } from './registry.js';
import { commitTraffic, samplesOf, select, seriesKey, split, testContext, valueOf } from '../../../test/helpers/metrics-state.js';
import type { EdgeTraffic, TestContext } from '../../../test/helpers/metrics-state.js';

const GOLDEN = new URL('../../../test/fixtures/metrics/split-families.prom', import.meta.url);

const WEB = { apexNamespace: 'default', apex: 'web', leaf: 'web-v1' };
const WEB_V2 = { ...WEB, leaf: 'web-v2' };
/** A leaf the split does not list (a lagging route): counted in the observed share's whole only. */
const WEB_V0 = { ...WEB, leaf: 'web-v0' };
const SERVER_V1 = { apexNamespace: 'link', apex: 'server', leaf: 'server-v1' };
const API_V2 = { apexNamespace: 'prod', apex: 'api', leaf: 'api-v2' };

const FIRST: readonly EdgeTraffic[] = [
  { edge: WEB, success: 600, failure: 2, latencies: [[3, 300], [15, 250], [120, 50], [2500, 2]] },
  { edge: WEB_V2, success: 60, failure: 4, latencies: [[8, 40], [45, 20], [900, 4]] },
  { edge: WEB_V0, success: 10, latencies: [[1, 10]] },
  { edge: SERVER_V1, success: 40, latencies: [[4, 40]] },
];
const SECOND: readonly EdgeTraffic[] = [
  { edge: WEB, success: 300, failure: 1, latencies: [[3, 200], [15, 100], [60000, 1]] },
  { edge: WEB_V2, success: 35, failure: 1, latencies: [[8, 36]] },
  { edge: API_V2, success: 7, latencies: [[2, 7]] },
];

/** Three splits: integer weights with traffic everywhere, Quantity weights with one idle backend, a broken one. */
function fixture(): TestContext {
  const t = testContext();
  t.store.upsert(split({ namespace: 'default', name: 'web', apex: 'web', backends: [{ service: 'web-v1', weight: 90 }, { service: 'web-v2', weight: 10 }] }));
  t.store.upsert(
    split({ namespace: 'link', name: 'server', apiVersion: 'split.smi-spec.io/v1alpha1', apex: 'server', backends: [{ service: 'server-v1', weight: '900m' }, { service: 'server-v2', weight: '100m' }] }),
  );
  t.store.upsert(split({ namespace: 'prod', name: 'api', apex: 'api', backends: [{ service: 'api-v1', weight: '12x' }, { service: 'api-v2', weight: 5 }, { service: 'api', weight: 1 }] }));
  commitTraffic(t.window, 0, 10_000, FIRST);
  commitTraffic(t.window, 10_000, 20_000, SECOND);
  t.problems = [{ file: 'splits/bad.yaml', message: 'not YAML' }];
  t.watchRestarts = 2;
  return t;
}

async function scrape(t: TestContext, options: { observedWindowMs?: number } = {}): Promise<string> {
  return createMetricsRegistry(t.ctx, { collectDefaultMetrics: false, ...options }).metrics();
}

describe('createMetricsRegistry: split families', () => {
  it('renders the golden exposition', async () => {
    const text = await scrape(fixture());
    // UPDATE_GOLDEN=1 rewrites the file after an intended change; review the diff before committing.
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, text);
    assert.equal(text, readFileSync(GOLDEN, 'utf8'));
  });

  it('exports latency in seconds: le bounds are the proxy buckets / 1000, _count is the +Inf bucket, _sum the proxies’ sum', async () => {
    const samples = samplesOf(await scrape(fixture()));
    const name = 'trafficsplit_backend_response_latency_seconds';
    const labels = { namespace: 'default', trafficsplit: 'web', backend: 'web-v1' };
    const bounds = select(samples, `${name}_bucket`, labels).map((sample) => sample.labels.le);
    assert.deepEqual(bounds, ['0.001', '0.002', '0.003', '0.004', '0.005', '0.01', '0.02', '0.03', '0.04', '0.05', '0.1', '0.2', '0.3', '0.4', '0.5', '1', '2', '3', '4', '5', '10', '20', '30', '40', '50', '+Inf']);
    assert.equal(bounds.length, LINKERD_LATENCY_BUCKETS_MS.length);
    assert.equal(valueOf(samples, `${name}_bucket`, { ...labels, le: '0.003' }), 500);
    assert.equal(valueOf(samples, `${name}_bucket`, { ...labels, le: '0.02' }), 850);
    assert.equal(valueOf(samples, `${name}_bucket`, { ...labels, le: '50' }), 902);
    assert.equal(valueOf(samples, `${name}_bucket`, { ...labels, le: '+Inf' }), 903);
    // (3×500 + 15×350 + 120×50 + 2500×2 + 60000) ms
    assert.equal(valueOf(samples, `${name}_sum`, labels), 77.75);
    for (const count of select(samples, `${name}_count`)) {
      const { namespace = '', trafficsplit = '', backend = '' } = count.labels;
      assert.equal(count.value, valueOf(samples, `${name}_bucket`, { namespace, trafficsplit, backend, le: '+Inf' }), `${backend}: _count = +Inf bucket`);
    }
  });

  it('emits both classifications for a backend with traffic, zeros for one without, nothing for unlisted leaves', async () => {
    const samples = samplesOf(await scrape(fixture()));
    const responses = 'trafficsplit_backend_responses_total';
    assert.equal(valueOf(samples, responses, { trafficsplit: 'server', backend: 'server-v1', classification: 'failure' }), 0);
    assert.equal(valueOf(samples, responses, { trafficsplit: 'server', backend: 'server-v1', classification: 'success' }), 40);
    // An idle backend's counters exist at 0, so Prometheus sees them start from zero.
    assert.equal(valueOf(samples, responses, { backend: 'server-v2', classification: 'success' }), 0);
    assert.equal(valueOf(samples, responses, { backend: 'server-v2', classification: 'failure' }), 0);
    assert.equal(valueOf(samples, 'trafficsplit_backend_response_latency_seconds_count', { backend: 'server-v2' }), 0);
    assert.deepEqual(select(samples, 'trafficsplit_backend_observed_ratio', { backend: 'server-v2' }), [], 'no share without traffic');
    for (const name of [responses, 'trafficsplit_backend_response_latency_seconds_count', 'trafficsplit_backend_observed_ratio']) {
      assert.deepEqual(select(samples, name, { backend: 'web-v0' }), [], `${name}: no series for a leaf the split does not list`);
    }
    assert.equal(valueOf(samples, 'trafficsplit_backend_weight', { backend: 'server-v2' }), 0.1);
  });

  it('leaves out weights that do not parse and shares that cannot be computed', async () => {
    const samples = samplesOf(await scrape(fixture()));
    assert.deepEqual(select(samples, 'trafficsplit_backend_weight', { backend: 'api-v1' }), []);
    assert.deepEqual(select(samples, 'trafficsplit_backend_weight_ratio', { backend: 'api-v1' }), []);
    assert.equal(valueOf(samples, 'trafficsplit_backend_weight', { backend: 'api-v2' }), 5);
    assert.equal(valueOf(samples, 'splitstat_trafficsplits', { validity: 'invalid' }), 1);
    assert.equal(valueOf(samples, 'splitstat_trafficsplit_issues', { trafficsplit: 'api', code: 'invalid-weight' }), 1);
  });

  it('computes the observed share over the configured window, including unlisted leaves in the whole', async () => {
    const t = fixture();
    commitTraffic(t.window, 20_000, 40_000, [{ edge: WEB, success: 100 }]);
    const wide = samplesOf(await scrape(t));
    assert.equal(valueOf(wide, 'trafficsplit_backend_observed_ratio', { backend: 'web-v1' }), 1003 / (1003 + 100 + 10));
    const narrow = samplesOf(await scrape(t, { observedWindowMs: 15_000 }));
    assert.equal(valueOf(narrow, 'trafficsplit_backend_observed_ratio', { backend: 'web-v1' }), 1);
    assert.deepEqual(select(narrow, 'trafficsplit_backend_observed_ratio', { backend: 'web-v2' }), [], 'no traffic in the window: no series');
    // The lifetime counters do not depend on the window.
    assert.equal(valueOf(narrow, 'trafficsplit_backend_responses_total', { backend: 'web-v2', classification: 'success' }), 95);
  });

  it('drops a deleted split’s and a removed backend’s series on the next scrape, and brings them back with their totals', async () => {
    const t = fixture();
    const registry = createMetricsRegistry(t.ctx, { collectDefaultMetrics: false });
    const before = samplesOf(await registry.metrics());
    assert.ok(select(before, 'trafficsplit_info', { trafficsplit: 'server' }).length === 1);

    t.store.delete('link/server');
    t.store.upsert(split({ namespace: 'default', name: 'web', apex: 'web', backends: [{ service: 'web-v1', weight: 1 }] }));
    const after = samplesOf(await registry.metrics());
    assert.deepEqual(after.filter((sample) => sample.labels.trafficsplit === 'server'), [], 'deleted split: no series at all');
    assert.deepEqual(after.filter((sample) => sample.labels.backend === 'web-v2'), [], 'removed backend: no series at all');
    assert.equal(valueOf(after, 'trafficsplit_backend_weight_ratio', { backend: 'web-v1' }), 1);
    assert.equal(valueOf(after, 'splitstat_trafficsplits', { validity: 'valid' }), 1);
    // Everything else is what it was.
    const kept = (samples: typeof before) =>
      samples.filter((s) => s.labels.trafficsplit === 'api' || (s.labels.backend === 'web-v1' && !s.name.startsWith('trafficsplit_backend_weight'))).map((s) => `${seriesKey(s)} ${s.value}`);
    assert.deepEqual(kept(after), kept(before));

    t.store.upsert(split({ namespace: 'default', name: 'web', apex: 'web', backends: [{ service: 'web-v1', weight: 90 }, { service: 'web-v2', weight: 10 }] }));
    const back = samplesOf(await registry.metrics());
    assert.equal(valueOf(back, 'trafficsplit_backend_responses_total', { backend: 'web-v2', classification: 'success' }), 95);
  });

  it('keeps counters monotonic across scrapes while traffic is committed', async () => {
    const t = fixture();
    const registry = createMetricsRegistry(t.ctx, { collectDefaultMetrics: false });
    const counterLike = (name: string) => name.endsWith('_total') || name.endsWith('_bucket') || name.endsWith('_sum') || name.endsWith('_count');
    let previous = new Map<string, number>();
    let end = 20_000;
    for (let round = 0; round < 4; round++) {
      const samples = samplesOf(await registry.metrics()).filter((sample) => counterLike(sample.name));
      for (const sample of samples) {
        const before = previous.get(seriesKey(sample));
        if (before !== undefined) assert.ok(sample.value >= before, `${seriesKey(sample)} went from ${before} to ${sample.value}`);
      }
      previous = new Map(samples.map((sample) => [seriesKey(sample), sample.value]));
      commitTraffic(t.window, end, end + 10_000, [{ edge: WEB, success: 10 * round, failure: round % 2, latencies: [[7, 10 * round + (round % 2)]] }]);
      end += 10_000;
    }
    const last = samplesOf(await registry.metrics());
    assert.equal(valueOf(last, 'trafficsplit_backend_responses_total', { backend: 'web-v1', classification: 'success' }), 900 + 10 + 20 + 30);
    assert.equal(valueOf(last, 'trafficsplit_backend_responses_total', { backend: 'web-v1', classification: 'failure' }), 3 + 2);
  });

  it('has no traffic families without a traffic window (prometheus mode), and still the split families', async () => {
    const t = testContext({ withWindow: false });
    t.store.upsert(split({ namespace: 'default', name: 'web', apex: 'web', backends: [{ service: 'web-v1', weight: 1 }] }));
    const text = await createMetricsRegistry(t.ctx, { collectDefaultMetrics: false }).metrics();
    assert.doesNotMatch(text, /trafficsplit_backend_(responses|response_latency|observed)/);
    assert.doesNotMatch(text, /splitstat_scrape_/);
    assert.match(text, /^trafficsplit_backend_weight_ratio\{namespace="default",trafficsplit="web",apex="web",backend="web-v1",kind="TrafficSplit"\} 1$/m);
  });

  it('refuses an observed window that is not a positive duration', () => {
    const t = testContext();
    for (const observedWindowMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => createMetricsRegistry(t.ctx, { observedWindowMs, collectDefaultMetrics: false }), RangeError);
    }
  });
});
