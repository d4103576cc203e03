import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Histogram, Registry } from 'prom-client';
import { snapshotHistogram } from './snapshot-histogram.js';
import { samplesOf, seriesKey } from '../../../test/helpers/metrics-state.js';

/** Samples as comparable lines: label order carries no meaning (prom-client puts `le` first, we put it last). */
const normalised = (text: string) => samplesOf(text).map((sample) => `${seriesKey(sample)} ${sample.value}`);

describe('snapshotHistogram', () => {
  it('renders the samples prom-client’s own Histogram renders for the same observations, in the same order', async () => {
    const observed = [0.05, 0.2, 0.7, 3, 0.05];
    const reference = new Registry();
    const histogram = new Histogram({ name: 'demo_seconds', help: 'Demo.', labelNames: ['path'], buckets: [0.1, 1], registers: [reference] });
    for (const value of observed) histogram.observe({ path: '/a' }, value);

    const ours = new Registry();
    snapshotHistogram(ours, {
      name: 'demo_seconds',
      help: 'Demo.',
      bounds: ['0.1', '1', '+Inf'],
      series: () => [{ labels: { path: '/a' }, buckets: [2, 4, 5], sum: observed.reduce((a, b) => a + b, 0) }],
    });
    const [mine, theirs] = [await ours.metrics(), await reference.metrics()];
    assert.deepEqual(normalised(mine), normalised(theirs));
    assert.equal(mine.split('\n').slice(0, 2).join('\n'), theirs.split('\n').slice(0, 2).join('\n'), 'same HELP and TYPE lines');
  });

  it('reads its series at every scrape: what is gone is not rendered', async () => {
    const registry = new Registry();
    let series = [{ labels: { path: '/a' }, buckets: [1], sum: 0.5 }];
    snapshotHistogram(registry, { name: 'demo_seconds', help: 'Demo.', bounds: ['+Inf'], series: () => series });
    assert.match(await registry.metrics(), /demo_seconds_count\{path="\/a"\} 1/);
    series = [];
    assert.equal(await registry.metrics(), '# HELP demo_seconds Demo.\n# TYPE demo_seconds histogram\n');
  });

  it('refuses bounds without a final +Inf bucket', () => {
    assert.throws(() => snapshotHistogram(new Registry(), { name: 'demo_seconds', help: 'Demo.', bounds: ['0.1', '1'], series: () => [] }), /last bucket must be \+Inf/);
  });
});
