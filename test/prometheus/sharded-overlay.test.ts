// deploy/overlays/sharded as a cluster would receive it, composed with the base the way its
// kustomization says: N collector pods whose shards are exactly 0/N … N−1/N, scraped one by one
// through the PodMonitor with the split's namespace label kept, and an API Service that never
// reaches a collector.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { formatShard } from '../../src/collect/index.js';
import { resolveServeConfig } from '../../src/app/index.js';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OVERLAY = path.join(ROOT, 'deploy/overlays/sharded');

interface Rendered {
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string> };
  readonly spec?: Record<string, unknown>;
}

async function render(directory: string): Promise<Rendered[]> {
  const { stdout } = await run('kubectl', ['kustomize', directory], { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(stdout).map((document) => document.toJS() as Rendered);
}

/** A loosely typed walk into rendered YAML. */
function at(value: unknown, ...keys: (string | number)[]): unknown {
  let current = value;
  for (const key of keys) current = typeof current === 'object' && current !== null ? (current as Record<string | number, unknown>)[key] : undefined;
  return current;
}

const selects = (selector: unknown, labels: unknown): boolean =>
  typeof selector === 'object' && selector !== null && Object.entries(selector).every(([key, value]) => at(labels, key) === value);

describe('deploy/overlays/sharded', { timeout: 60_000 }, () => {
  it('runs one collector per shard, each with its own i/N from the pod index', async () => {
    const rendered = await render(OVERLAY);
    assert.deepEqual(rendered.map((object) => `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`).sort(), [
      'PodMonitor splitstat/splitstat-collector',
      'StatefulSet splitstat/splitstat-collector',
    ]);
    const statefulSet = rendered.find((object) => object.kind === 'StatefulSet');
    const replicas = Number(at(statefulSet, 'spec', 'replicas'));
    const container = at(statefulSet, 'spec', 'template', 'spec', 'containers', 0);
    const env = (at(container, 'env') as { name: string; value?: string; valueFrom?: unknown }[] | undefined) ?? [];
    const index = env.find((variable) => variable.name === 'SHARD_INDEX');
    assert.equal(at(index?.valueFrom, 'fieldRef', 'fieldPath'), "metadata.labels['apps.kubernetes.io/pod-index']");
    const shard = env.find((variable) => variable.name === 'SPLITSTAT_SHARD')?.value;
    assert.equal(shard, `$(SHARD_INDEX)/${replicas}`, 'N in SPLITSTAT_SHARD is the replica count');
    // What the kubelet hands each pod, as `serve` would read it.
    for (let ordinal = 0; ordinal < replicas; ordinal++) {
      const config = resolveServeConfig({ env: { SPLITSTAT_SHARD: shard.replace('$(SHARD_INDEX)', String(ordinal)) }, flags: { splits: 'kube', targets: 'kube' } });
      assert.equal(config.shard === undefined ? undefined : formatShard(config.shard), `${ordinal}/${replicas}`);
    }
    // A cluster without the pod-index label must fail start-up, not scrape everything.
    assert.throws(() => resolveServeConfig({ env: { SPLITSTAT_SHARD: shard.replace('$(SHARD_INDEX)', '') }, flags: { splits: 'kube', targets: 'kube' } }), new RegExp(`shard: "/${replicas}" is not i/N`));
    assert.deepEqual(at(container, 'args'), ['serve', '--splits', 'kube', '--targets', 'kube', '--listen', ':8080']);

    const podMonitor = rendered.find((object) => object.kind === 'PodMonitor');
    const podLabels = at(statefulSet, 'spec', 'template', 'metadata', 'labels');
    assert.ok(selects(at(podMonitor, 'spec', 'selector', 'matchLabels'), podLabels), 'the PodMonitor selects the collector pods');
    assert.deepEqual(at(podMonitor, 'spec', 'podMetricsEndpoints', 0, 'port'), 'http');
    assert.equal(at(podMonitor, 'spec', 'podMetricsEndpoints', 0, 'honorLabels'), true);
  });

  it('composes with the base as documented: API replicas, whose Service never picks a collector', async () => {
    const overlay = await mkdtemp(path.join(tmpdir(), 'splitstat-sharded-'));
    try {
      const relative = (target: string) => path.relative(overlay, target).split(path.sep).join('/');
      await writeFile(
        path.join(overlay, 'kustomization.yaml'),
        [
          'resources:',
          `  - ${relative(path.join(ROOT, 'deploy'))}`,
          `  - ${relative(OVERLAY)}`,
          'patches:',
          '  - target: { kind: Deployment, name: splitstat }',
          '    patch: |-',
          '      - op: replace',
          '        path: /spec/replicas',
          '        value: 2',
          '',
        ].join('\n'),
      );
      const rendered = await render(overlay);
      const kinds = rendered.map((object) => `${object.kind} ${object.metadata.name}`).sort();
      assert.deepEqual(kinds, [
        'ClusterRole splitstat',
        'ClusterRoleBinding splitstat',
        'Deployment splitstat',
        'Namespace splitstat',
        'PodMonitor splitstat-collector',
        'Service splitstat',
        'ServiceAccount splitstat',
        'StatefulSet splitstat-collector',
      ]);
      const service = rendered.find((object) => object.kind === 'Service');
      const statefulSet = rendered.find((object) => object.kind === 'StatefulSet');
      const deployment = rendered.find((object) => object.kind === 'Deployment');
      assert.ok(!selects(at(service, 'spec', 'selector'), at(statefulSet, 'spec', 'template', 'metadata', 'labels')), 'the API Service does not select collectors');
      assert.ok(selects(at(service, 'spec', 'selector'), at(deployment, 'spec', 'template', 'metadata', 'labels')), 'the API Service selects the API pods');
      // The collectors run as the base's ServiceAccount, which the base's ClusterRoleBinding binds.
      assert.equal(at(statefulSet, 'spec', 'template', 'spec', 'serviceAccountName'), 'splitstat');
      assert.equal(at(deployment, 'spec', 'replicas'), 2);
    } finally {
      await rm(overlay, { recursive: true, force: true });
    }
  });
});
