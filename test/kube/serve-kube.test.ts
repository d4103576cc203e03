// `serve --splits kube --targets kube` against the fake API server: splits and meshed pods come
// from the cluster through the real client-node informers, the proxy is a simulated Linkerd pod,
// and GraphQL and /metrics follow the cluster as it changes.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseScenarioText, Simulator } from '../../src/sim/index.js';
import { resolveServeConfig, startService } from '../../src/app/index.js';
import type { RunningService } from '../../src/app/index.js';
import { FakeKubeServer, kubeConfigFor, PODS, pod, REPLICA_SETS, replicaSet, trafficSplit, waitFor } from '../helpers/fake-kube/index.js';
import { trafficSplitCrd } from './crds.js';

// One client pod, so the proxy admin port is one loopback port.
const SCENARIO = `
splits:
  - namespace: shop
    name: web
    apex: web
    backends:
      - { service: web-v1, weight: 9 }
      - { service: web-v2, weight: 1, successRate: 0.5 }
clients:
  - { namespace: shop, workload: deployment/frontend, pods: 1, calls: [{ split: shop/web, rps: 20 }] }
`;

describe('serve with --splits kube --targets kube', { timeout: 60_000 }, () => {
  let kube: FakeKubeServer;
  let sim: Simulator;
  let dir: string;
  let service: RunningService;
  let now = 1_760_000_000_000;

  before(async () => {
    sim = new Simulator({ scenario: parseScenarioText(SCENARIO), now: () => now });
    await sim.start();
    const target = sim.targets()[0];
    assert.ok(target !== undefined);
    const port = Number(new URL(target.url).port);
    kube = await FakeKubeServer.start();
    kube.serve(trafficSplitCrd('linkerd-smi'), PODS, REPLICA_SETS);
    kube.create(trafficSplit({ namespace: 'shop', name: 'web', version: 'v1alpha1', backends: { 'web-v1': '900m', 'web-v2': '100m' } }));
    kube.create(replicaSet({ namespace: 'shop', name: 'frontend-5d4f8', owners: [{ kind: 'Deployment', name: 'frontend' }] }));
    kube.create(pod({ namespace: 'shop', name: target.pod, podIP: '127.0.0.1', owners: [{ kind: 'ReplicaSet', name: 'frontend-5d4f8' }] }));
    kube.create(pod({ namespace: 'shop', name: 'not-meshed', podIP: '127.0.0.2', mesh: 'none' }));
    dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-serve-kube-'));
    const kubeconfig = path.join(dir, 'kubeconfig');
    await writeFile(kubeconfig, kubeConfigFor(kube).exportConfig());
    const config = resolveServeConfig({ flags: { listen: '127.0.0.1:0', splits: 'kube', targets: 'kube', kubeconfig, adminPort: String(port) } });
    service = await startService(config, { now: () => now, autoScrape: false });
  });

  after(async () => {
    await service?.close();
    await kube?.close();
    await sim?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const graphql = async (query: string): Promise<unknown> => {
    const response = await fetch(`${service.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return ((await response.json()) as { data: unknown }).data;
  };

  it('becomes ready once splits and pods are synced and scraped, then counts exactly', async () => {
    await waitFor(() => service.ctx.store.size === 1, 'the split from the cluster');
    // Synced: only the scrape is missing.
    let waiting = '';
    for (let i = 0; i < 100 && waiting !== 'not ready: waiting for the first scrape cycle\n'; i++) {
      waiting = await (await fetch(`${service.url}/readyz`)).text();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(waiting, 'not ready: waiting for the first scrape cycle\n');
    await service.engine.runCycle();
    assert.equal((await fetch(`${service.url}/readyz`)).status, 200);
    assert.equal(service.engine.lastReport?.targets, 1, 'only the meshed pod is a target');
    const mark = sim.truth();
    for (let i = 0; i < 3; i++) {
      sim.advance(10_000);
      now += 10_000;
      await service.engine.runCycle();
    }
    const truth = sim.truthSince(mark);
    const data = (await graphql('{ trafficSplits(window: "30s") { backends { service weight stats { successCount failureCount } } } }')) as {
      trafficSplits: { backends: { service: string; weight: string; stats: { successCount: number; failureCount: number } | null }[] }[];
    };
    for (const backend of data.trafficSplits[0]?.backends ?? []) {
      const leaf = truth.select({ namespace: 'shop', leaf: backend.service });
      assert.deepEqual(backend.stats, { successCount: leaf.success, failureCount: leaf.failure }, backend.service);
    }
    assert.deepEqual(data.trafficSplits[0]?.backends.map((b) => b.weight), ['900m', '100m']);
    // --from resolves the pod's owner through its ReplicaSet.
    const fromFrontend = (await graphql('{ trafficSplits(window: "30s", from: { kind: "deployment", name: "frontend" }) { stats { successCount } } }')) as {
      trafficSplits: { stats: { successCount: number } | null }[];
    };
    assert.equal(fromFrontend.trafficSplits[0]?.stats?.successCount, truth.select({ namespace: 'shop' }).success);
  });

  it('follows weight changes and deletions, and heals a dropped watch', async () => {
    kube.dropWatches();
    kube.update(trafficSplit({ namespace: 'shop', name: 'web', version: 'v1alpha1', backends: { 'web-v1': '500m', 'web-v2': '500m' } }));
    await waitFor(() => service.ctx.store.list()[0]?.backends[0]?.weightString === '500m', 'the new weights');
    const metrics = async () => (await fetch(`${service.url}/metrics`)).text();
    assert.match(await metrics(), /trafficsplit_backend_weight\{namespace="shop",trafficsplit="web",apex="web",backend="web-v2",kind="TrafficSplit"\} 0\.5/);
    assert.match(await metrics(), /splitstat_kube_watch_restarts_total [1-9]/);
    kube.delete(trafficSplit({ namespace: 'shop', name: 'web', version: 'v1alpha1', backends: {} }));
    await waitFor(() => service.ctx.store.size === 0, 'the deletion');
    assert.doesNotMatch(await metrics(), /trafficsplit_info\{/);
  });
});
