// `splitstat stat ts --prometheus URL --manifests DIR`, in-process against a fake Prometheus:
// byte-identical to Linkerd's goldens, and the same errors and exit codes as with --server.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/index.js';
import type { CliIo } from '../../src/cli/index.js';
import { FAKE_TOKEN, FakeKubeServer, trafficSplit as fakeKubeSplit } from '../helpers/fake-kube/index.js';
import { trafficSplitCrd } from '../kube/crds.js';
import { numberQueries, startFakePrometheus } from './fake-prometheus.js';
import type { FakePrometheus, FakeSeries } from './fake-prometheus.js';
import { closedPort, proxySeries } from './helpers.js';

const fixtures = new URL('../fixtures/cli/', import.meta.url);
const golden = (name: string): string => readFileSync(new URL(name, fixtures), 'utf8');

const FOO_SPLIT = `apiVersion: split.smi-spec.io/v1alpha1
kind: TrafficSplit
metadata:
  name: foo-split
  namespace: default
spec:
  service: apex_name
  backends:
    - service: service-1
      weight: 900m
    - service: service-2
      weight: 100m
`;

let prometheus: FakePrometheus;
let manifests: string;

before(async () => {
  prometheus = await startFakePrometheus();
  manifests = mkdtempSync(path.join(tmpdir(), 'splitstat-promql-'));
  writeFileSync(path.join(manifests, 'foo-split.yaml'), FOO_SPLIT);
});
after(async () => {
  await prometheus.close();
  rmSync(manifests, { recursive: true, force: true });
});
beforeEach(() => {
  prometheus.received.length = 0;
  prometheus.override = undefined;
  // Linkerd's own test input: 123 successes per leaf over 1m, and every quantile 123 ms (its
  // fake Prometheus answered 123 to each). Here the buckets say so: 123 is the highest finite
  // bound and every request lies above it, which histogram_quantile answers with that bound.
  prometheus.series = ['service-1', 'service-2'].flatMap((leaf) => {
    const counts = proxySeries({ authority: 'apex_name.default.svc.cluster.local:8080', dstNamespace: 'default', dstService: leaf, success: 123 });
    const latency = { ...(counts[0] as FakeSeries).labels };
    delete latency['classification'];
    delete latency['status_code'];
    delete latency['tls'];
    return [
      ...counts,
      { name: 'response_latency_ms_bucket', labels: { ...latency, le: '123' }, value: 0 },
      { name: 'response_latency_ms_bucket', labels: { ...latency, le: '+Inf' }, value: 2 },
    ];
  });
});

async function run(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: (text: string) => (stderr += text) }, env: { KUBECONFIG: '/nonexistent/kubeconfig' } };
  const code = await runCli(['node', 'splitstat', ...args], io);
  return { code, stdout, stderr };
}

describe('stat ts --prometheus', () => {
  it('reads the TrafficSplits from the kubeconfig\'s cluster without --manifests', async () => {
    const kube = await FakeKubeServer.start();
    try {
      kube.serve(trafficSplitCrd('linkerd-smi'));
      kube.create({
        apiVersion: 'split.smi-spec.io/v1alpha1',
        kind: 'TrafficSplit',
        metadata: { name: 'foo-split', namespace: 'default' },
        spec: { service: 'apex_name', backends: [{ service: 'service-1', weight: '900m' }, { service: 'service-2', weight: '100m' }] },
      });
      kube.create(fakeKubeSplit({ namespace: 'other', name: 'elsewhere', backends: { 'x-v1': 1 } }));
      const kubeconfig = path.join(manifests, '..', `kubeconfig-${path.basename(manifests)}.yaml`);
      writeFileSync(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters: [{name: fake, cluster: {server: "' + kube.url + '", insecure-skip-tls-verify: true}}]',
          `users: [{name: tester, user: {token: ${FAKE_TOKEN}}}]`,
          'contexts: [{name: fake, context: {cluster: fake, user: tester, namespace: default}}]',
          'current-context: fake',
          '',
        ].join('\n'),
      );
      try {
        const result = await run('stat', 'ts', '--kubeconfig', kubeconfig, '--prometheus', prometheus.url);
        assert.deepEqual(result, { code: 0, stdout: golden('stat_one_ts_output.golden'), stderr: '' });
        const missing = await run('stat', 'ts/nope', '--kubeconfig', kubeconfig, '--prometheus', prometheus.url);
        assert.deepEqual(missing, { code: 1, stdout: '', stderr: 'Error: trafficsplit.split.smi-spec.io "nope" not found in namespace "default"\n' });
      } finally {
        rmSync(kubeconfig, { force: true });
      }
    } finally {
      await kube.close();
    }
  });

  it('prints Linkerd\'s table golden byte for byte', async () => {
    const result = await run('stat', 'ts', '-n', 'default', '--prometheus', prometheus.url, '--manifests', manifests);
    assert.deepEqual(result, { code: 0, stdout: golden('stat_one_ts_output.golden'), stderr: '' });
    assert.equal(numberQueries(prometheus.received).length, 2);
  });

  it('prints Linkerd\'s JSON golden byte for byte', async () => {
    const result = await run('stat', 'ts/foo-split', '-n', 'default', '-o', 'json', '--prometheus', prometheus.url, '--manifests', path.join(manifests, 'foo-split.yaml'));
    assert.deepEqual(result, { code: 0, stdout: golden('stat_one_ts_output_json.golden'), stderr: '' });
  });

  it('sends headers, the token, the window and --from labels', async () => {
    const result = await run(
      'stat', 'ts', '-n', 'default', '-t', '1m', '--from', 'deploy/web', '--prometheus', prometheus.url, '--manifests', manifests,
      '--prometheus-header', 'X-Scope-OrgID: tenant-1', '--prometheus-header', 'X-Extra:  two ', '--prometheus-token', 'tok',
    );
    assert.equal(result.code, 0);
    const [first] = numberQueries(prometheus.received);
    assert.equal(first?.headers['x-scope-orgid'], 'tenant-1');
    assert.equal(first?.headers['x-extra'], 'two');
    assert.equal(first?.headers.authorization, 'Bearer tok');
    assert.match(first?.query ?? '', /\{authority=~"\^\(apex_name\.default\)\.svc\.\*", deployment="web", direction="outbound", namespace="default"\}\[1m\]/);
  });

  it('shows - for a leaf without series, and No traffic found. for no splits', async () => {
    prometheus.series = proxySeries({ authority: 'apex_name.default.svc.cluster.local:8080', dstNamespace: 'default', dstService: 'service-1', success: 123 });
    const result = await run('stat', 'ts', '-n', 'default', '--prometheus', prometheus.url, '--manifests', manifests);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /service-2 +100m +- +- +- +- +-\n$/);
    assert.deepEqual(await run('stat', 'ts', '-n', 'empty', '--prometheus', prometheus.url, '--manifests', manifests), { code: 0, stdout: '', stderr: 'No traffic found.\n' });
  });

  it('--watch asks again every interval until stopped', async () => {
    const stop = new AbortController();
    let stdout = '';
    const io: CliIo = {
      stdout: {
        write: (text: string) => {
          stdout += text;
          if (stdout.split(golden('stat_one_ts_output.golden')).length > 2) stop.abort();
        },
      },
      stderr: { write: () => true },
      env: {},
      signal: stop.signal,
    };
    const code = await runCli(['node', 'splitstat', 'stat', 'ts', '-n', 'default', '--watch', '--watch-interval', '20ms', '--prometheus', prometheus.url, '--manifests', manifests], io);
    assert.equal(code, 0);
    assert.ok(prometheus.received.length >= 4, `${prometheus.received.length} queries: two refreshes`);
  });

  it('reports Prometheus errors on one line with exit code 1', async () => {
    prometheus.override = () => ({ status: 400, body: JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query"' }) });
    assert.deepEqual(await run('stat', 'ts', '-n', 'default', '--prometheus', prometheus.url, '--manifests', manifests), {
      code: 1,
      stdout: '',
      stderr: `Error: Prometheus at ${prometheus.url}: bad_data: invalid parameter "query"\n`,
    });
    const port = await closedPort();
    const down = await run('stat', 'ts', '-n', 'default', '--prometheus', `http://127.0.0.1:${port}`, '--manifests', manifests);
    assert.equal(down.code, 1);
    assert.match(down.stderr, new RegExp(`^Error: Prometheus at http://127\\.0\\.0\\.1:${port}: cannot connect: .*ECONNREFUSED.*\n$`));
  });

  it('reports flag mistakes with exit code 1', async () => {
    const cases: [string[], RegExp][] = [
      [['--prometheus', prometheus.url], /^Error: no Kubernetes access: not running in a cluster and no kubeconfig found/],
      [['--prometheus', prometheus.url, '--manifests', manifests, '--prometheus-schema', 'kuma'], /^Error: --prometheus-schema must be linkerd .* got "kuma"\n$/],
      [['--prometheus', prometheus.url, '--manifests', manifests, '--prometheus-schema', 'envoy'], /^Error: --prometheus-schema envoy needs --envoy-cluster-pattern/],
      [['--prometheus', prometheus.url, '--manifests', manifests, '--prometheus-schema', 'envoy', '--envoy-cluster-pattern', '(?<service>a)(?=b)'], /^Error: --envoy-cluster-pattern uses lookaround/],
      [['--prometheus', prometheus.url, '--manifests', manifests, '--envoy-cluster-pattern', '(?<service>a)'], /^Error: --envoy-cluster-pattern is read only with --prometheus-schema envoy\n$/],
      [['--prometheus', prometheus.url, '--manifests', manifests, '--prometheus-header', 'no colon'], /^Error: --prometheus-header: "no colon" is not "Name: value"/],
      [['--prometheus', prometheus.url, '--manifests', manifests, '--server', 'http://localhost:8080'], /^Error: --server and --prometheus flags are mutually exclusive\n$/],
      [['--prometheus', prometheus.url, '--manifests', path.join(manifests, 'missing')], /^Error: cannot read manifests at .*missing/],
      [['--prometheus', prometheus.url, '--manifests', manifests, '-t', '10s'], /^Error: metrics time window needs to be at least 15s\n$/],
      [['--prometheus', prometheus.url, '--manifests', manifests, '--prometheus-schema', 'splitstat', '--from', 'deploy/x'], /^Error: --from needs the linkerd schema/],
    ];
    for (const [flags, expected] of cases) {
      const result = await run('stat', 'ts', '-n', 'default', ...flags);
      assert.equal(result.code, 1, flags.join(' '));
      assert.equal(result.stdout, '');
      assert.match(result.stderr, expected);
    }
    assert.deepEqual(await run('stat', 'ts', '-n', 'default', '--manifests', manifests), {
      code: 1,
      stdout: '',
      stderr: 'Error: --manifests needs --prometheus (without it, numbers come from a splitstat server, which reads the TrafficSplits itself)\n',
    });
    const missing = await run('stat', 'ts/nope', '-n', 'default', '--prometheus', prometheus.url, '--manifests', manifests);
    assert.deepEqual(missing, { code: 1, stdout: '', stderr: 'Error: trafficsplit.split.smi-spec.io "nope" not found in namespace "default"\n' });
  });
});
