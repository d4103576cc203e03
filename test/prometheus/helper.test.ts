// The Prometheus harness itself: the configuration it generates, and that CI never skips.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { prometheusConfig, prometheusSkipReason, staticTarget } from '../helpers/prometheus.js';
import { linkerdVizProxyJob } from './harness.js';

describe('Prometheus test harness', () => {
  it('never skips on CI: a missing Prometheus must fail the tests there', async () => {
    assert.equal(await prometheusSkipReason({ CI: 'true' }), undefined);
  });

  it('writes one static group per target, with its path and labels, and the job’s honor_labels', () => {
    const config: unknown = parse(
      prometheusConfig({
        scrapeIntervalMs: 500,
        jobs: [
          { name: 'splitstat', honorLabels: true, targets: [staticTarget('http://127.0.0.1:4000/metrics', { namespace: 'splitstat' })] },
          linkerdVizProxyJob([{ url: 'http://127.0.0.1:5000/metrics', namespace: 'shop', pod: 'web-0', workload: { kind: 'statefulset', name: 'web' } }]),
        ],
      }),
    );
    assert.deepEqual(config, {
      global: { scrape_interval: '500ms', scrape_timeout: '500ms', evaluation_interval: '500ms' },
      scrape_configs: [
        { job_name: 'splitstat', honor_labels: true, static_configs: [{ targets: ['127.0.0.1:4000'], labels: { __metrics_path__: '/metrics', namespace: 'splitstat' } }] },
        {
          job_name: 'linkerd-proxy',
          honor_labels: false,
          static_configs: [{ targets: ['127.0.0.1:5000'], labels: { __metrics_path__: '/metrics', namespace: 'shop', pod: 'web-0', statefulset: 'web' } }],
        },
      ],
    });
  });
});
