import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StatRow } from '../../stats/index.js';
import { renderStatRoutes } from './route-table.js';

const stats = { successCount: 995, failureCount: 5, successRate: 0.995, rps: 16.666666, latencyMsP50: 12.5, latencyMsP95: 48, latencyMsP99: 96.4, windowSeconds: 60 };

function row(name: string, leaf: string, weight: string, withStats: boolean, namespace = 'shop'): StatRow {
  return {
    namespace,
    name,
    apex: 'web',
    leaf,
    weight,
    weightValue: Number(weight),
    weightRatio: Number(weight) / 100,
    observedRatio: withStats ? 0.5 : null,
    stats: withStats ? stats : null,
  };
}

describe('renderStatRoutes', () => {
  const rows = [row('web-route', 'web-v2', '10', false), row('web-route', 'web-v1', '90', true)];

  // 12.5 ms prints as 12ms: Go's %.0f rounds half to even.
  it('lays the table out as linkerd viz stat-outbound: text left, numbers right, two spaces apart, sorted by split and backend', () => {
    assert.equal(
      renderStatRoutes(rows, { output: 'table', allNamespaces: false }).stdout,
      [
        'NAME       SERVICE  BACKEND  WEIGHT  SUCCESS    RPS  LATENCY_P50  LATENCY_P95  LATENCY_P99  ',
        'web-route  web      web-v1       90   99.50%  16.67         12ms         48ms         96ms  ',
        'web-route  web      web-v2       10        -      -            -            -            -  ',
        '',
      ].join('\n'),
    );
  });

  it('-o wide adds the shares; -A the namespace', () => {
    const wide = renderStatRoutes(rows, { output: 'wide', allNamespaces: true }).stdout.split('\n');
    assert.match(wide[0] ?? '', /^NAMESPACE {2}NAME +SERVICE .* WEIGHT_SHARE {2}OBSERVED_SHARE {2}$/);
    assert.match(wide[1] ?? '', /^shop +web-route .* 90\.0% +50\.0% {2}$/);
  });

  it('-o json uses stat-outbound’s field names, null without traffic', () => {
    const [first, second] = JSON.parse(renderStatRoutes(rows, { output: 'json', allNamespaces: false }).stdout) as Record<string, unknown>[];
    assert.deepEqual(first, {
      namespace: 'shop',
      kind: 'httproute',
      name: 'web-route',
      service: 'web',
      backend: 'web-v1',
      weight: '90',
      weightShare: 0.9,
      observedShare: 0.5,
      successRate: 0.995,
      rps: 16.666666,
      latencyMsP50: 12.5,
      latencyMsP95: 48,
      latencyMsP99: 96.4,
    });
    assert.equal(second?.successRate, null);
  });

  it('no splits: `No traffic found.` on stderr; `[]` as JSON', () => {
    assert.deepEqual(renderStatRoutes([], { output: 'table', allNamespaces: false }), { stdout: '', stderr: 'No traffic found.\n' });
    assert.equal(renderStatRoutes([], { output: 'json', allNamespaces: false }).stdout, '[]\n');
  });
});
