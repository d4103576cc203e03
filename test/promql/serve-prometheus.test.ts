// `serve --source prometheus`: GraphQL and `stat ts --server` answered from Prometheus (here a
// fake that evaluates the queries), with no traffic state of its own; Prometheus failures are one
// clear error to the caller and the server recovers when Prometheus does.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveServeConfig, startService } from '../../src/app/index.js';
import type { RunningService } from '../../src/app/index.js';
import { runCli } from '../../src/cli/index.js';
import { startFakePrometheus } from './fake-prometheus.js';
import type { FakePrometheus } from './fake-prometheus.js';
import { allIn, proxySeries } from './helpers.js';

const SPLIT = `apiVersion: split.smi-spec.io/v1alpha1
kind: TrafficSplit
metadata: { name: foo-split, namespace: default }
spec:
  service: apex_name
  backends:
    - { service: service-1, weight: 900m }
    - { service: service-2, weight: 100m }
`;

describe('serve --source prometheus', () => {
  let prometheus: FakePrometheus;
  let dir: string;
  let service: RunningService;

  before(async () => {
    // 123 successes per leaf over 1m; every request in the (100, 200] ms bucket, so p50/p95/p99
    // interpolate to 150/195/199 ms.
    prometheus = await startFakePrometheus([
      ...proxySeries({ authority: 'apex_name.default.svc.cluster.local:8080', dstNamespace: 'default', dstService: 'service-1', success: 123, failure: 0, latencyRates: allIn(200, 2) }),
      ...proxySeries({ authority: 'apex_name.default.svc.cluster.local:8080', dstNamespace: 'default', dstService: 'service-2', success: 123, failure: 0, latencyRates: allIn(200, 2) }),
    ]);
    dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-serve-prometheus-'));
    await writeFile(path.join(dir, 'split.yaml'), SPLIT);
    const config = resolveServeConfig({
      flags: { listen: '127.0.0.1:0', splits: dir, source: 'prometheus', prometheusUrl: prometheus.url, prometheusHeaders: 'X-Scope-OrgID: mesh' },
    });
    service = await startService(config);
  });

  after(async () => {
    await service?.close();
    await prometheus?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const statTable = async () => {
    let stdout = '';
    let stderr = '';
    const code = await runCli(['node', 'splitstat', 'stat', 'ts', '-n', 'default', '--server', service.url], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: {},
    });
    return { code, stdout, stderr };
  };

  it('is ready with splits loaded, and scrapes nothing itself', async () => {
    assert.equal((await fetch(`${service.url}/readyz`)).status, 200);
    const metrics = await (await fetch(`${service.url}/metrics`)).text();
    assert.match(metrics, /trafficsplit_backend_weight\{namespace="default",trafficsplit="foo-split",apex="apex_name",backend="service-1",kind="TrafficSplit"\} 0\.9/);
    assert.doesNotMatch(metrics, /trafficsplit_backend_responses_total/);
    assert.doesNotMatch(metrics, /splitstat_scrape_targets/);
  });

  it('answers stat ts through GraphQL with the numbers Prometheus gives, sending its headers', async () => {
    const run = await statTable();
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    assert.equal(
      run.stdout,
      [
        'NAME        APEX        LEAF        WEIGHT   SUCCESS      RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99',
        'foo-split   apex_name   service-1     900m   100.00%   2.0rps         150ms         195ms         199ms',
        'foo-split   apex_name   service-2     100m   100.00%   2.0rps         150ms         195ms         199ms',
        '',
      ].join('\n'),
    );
    assert.ok(prometheus.received.length > 0);
    assert.ok(prometheus.received.every((query) => query.headers['x-scope-orgid'] === 'mesh'));
    // The window reaches PromQL as the caller wrote it, as linkerd viz passed -t.
    assert.ok(prometheus.received.some((query) => query.query.includes('increase(response_total{') && query.query.includes('}[1m]')));
  });

  it('turns Prometheus being down into one clear error, stays up, and recovers', async () => {
    prometheus.override = () => ({ status: 503, body: 'overloaded' });
    const down = await statTable();
    assert.equal(down.code, 1);
    assert.equal(down.stderr.split('\n').length, 2, down.stderr);
    assert.match(down.stderr, /Prometheus at http:\/\/127\.0\.0\.1:\d+.*503/);
    assert.equal((await fetch(`${service.url}/healthz`)).status, 200);
    prometheus.override = undefined;
    assert.equal((await statTable()).code, 0);
  });
});
