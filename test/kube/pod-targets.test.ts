// KubePodTargets against the fake API server through the real client-node informers: which pods
// are scraped, at which URL, under which workload, and how the list follows pod churn.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadKubeTargets } from '../../src/collect/index.js';
import type { KubePodTargetsOptions, ScrapeTarget } from '../../src/collect/index.js';
import { FakeKubeServer, PODS, REPLICA_SETS, kubeConfigFor, pod, replicaSet, waitFor } from '../helpers/fake-kube/index.js';
import type { FakeKubeOptions } from '../helpers/fake-kube/index.js';

const { KubePodTargets } = await loadKubeTargets();
type KubePodTargets = InstanceType<typeof KubePodTargets>;

/** `namespace/pod url workload` per target. */
function describeTargets(targets: readonly ScrapeTarget[]): string[] {
  return targets.map((target) => `${target.namespace}/${target.pod} ${target.url} ${target.workload === undefined ? '-' : `${target.workload.kind}/${target.workload.name}`}`);
}

describe('KubePodTargets', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setUp(options: Partial<KubePodTargetsOptions> = {}, fake: FakeKubeOptions = {}): Promise<{ kube: FakeKubeServer; pods: KubePodTargets }> {
    const kube = await FakeKubeServer.start(fake);
    kube.serve(PODS, REPLICA_SETS);
    cleanups.push(() => kube.close());
    const pods = new KubePodTargets({ kubeConfig: kubeConfigFor(kube), backoff: { initialMs: 20, maxMs: 200, jitter: 0 }, ...options });
    cleanups.push(() => pods.stop());
    return { kube, pods };
  }

  async function until(pods: KubePodTargets, expected: string[]): Promise<void> {
    await waitFor(
      () => JSON.stringify(describeTargets(pods.targets())) === JSON.stringify(expected),
      () => `targets ${JSON.stringify(expected)}, have ${JSON.stringify(describeTargets(pods.targets()))}`,
    );
  }

  it('scrapes running meshed pods with an address, named after their workload', async () => {
    const { kube, pods } = await setUp();
    kube.create(replicaSet({ namespace: 'shop', name: 'web-7d9f8', owners: [{ kind: 'Deployment', name: 'web' }] }));
    kube.create(replicaSet({ namespace: 'shop', name: 'bare-rs' }));
    kube.create(pod({ namespace: 'shop', name: 'web-7d9f8-abcde', podIP: '10.0.0.1', owners: [{ kind: 'ReplicaSet', name: 'web-7d9f8' }] }));
    kube.create(pod({ namespace: 'shop', name: 'bare-rs-x1', podIP: '10.0.0.2', owners: [{ kind: 'ReplicaSet', name: 'bare-rs' }] }));
    kube.create(pod({ namespace: 'shop', name: 'db-0', podIP: '10.0.0.3', owners: [{ kind: 'StatefulSet', name: 'db' }] }));
    kube.create(pod({ namespace: 'kube-system', name: 'agent-q2', podIP: '10.0.0.4', owners: [{ kind: 'DaemonSet', name: 'agent' }] }));
    kube.create(pod({ namespace: 'batch', name: 'nightly-28000-zz', podIP: '10.0.0.5', owners: [{ kind: 'Job', name: 'nightly-28000' }] }));
    kube.create(pod({ namespace: 'shop', name: 'debug', podIP: '10.0.0.6' }));
    kube.create(pod({ namespace: 'shop', name: 'sidecar', podIP: '10.0.0.7', mesh: 'init-container' }));
    kube.create(pod({ namespace: 'shop', name: 'annotated', podIP: '10.0.0.8', mesh: 'annotation' }));
    kube.create(pod({ namespace: 'shop', name: 'v6', podIP: 'fd00::12' }));
    // Not scraped: not meshed, not running yet, finished, no address.
    kube.create(pod({ namespace: 'shop', name: 'plain', podIP: '10.0.1.1', mesh: 'none' }));
    kube.create(pod({ namespace: 'shop', name: 'starting', podIP: '10.0.1.2', phase: 'Pending' }));
    kube.create(pod({ namespace: 'shop', name: 'done', podIP: '10.0.1.3', phase: 'Succeeded' }));
    kube.create(pod({ namespace: 'shop', name: 'no-ip' }));

    assert.equal(pods.ready, false);
    await pods.start();
    assert.equal(pods.ready, true);
    assert.deepEqual(describeTargets(pods.targets()), [
      'batch/nightly-28000-zz http://10.0.0.5:4191/metrics job/nightly-28000',
      'kube-system/agent-q2 http://10.0.0.4:4191/metrics daemonset/agent',
      'shop/annotated http://10.0.0.8:4191/metrics pod/annotated',
      'shop/bare-rs-x1 http://10.0.0.2:4191/metrics replicaset/bare-rs',
      'shop/db-0 http://10.0.0.3:4191/metrics statefulset/db',
      'shop/debug http://10.0.0.6:4191/metrics pod/debug',
      'shop/sidecar http://10.0.0.7:4191/metrics pod/sidecar',
      'shop/v6 http://[fd00::12]:4191/metrics pod/v6',
      'shop/web-7d9f8-abcde http://10.0.0.1:4191/metrics deployment/web',
    ]);
    assert.equal(pods.restarts, 0);
    // Unchanged cluster, unchanged array: the scrape engine can compare by identity.
    assert.equal(pods.targets(), pods.targets());
  });

  it('follows a pod through its life: pending, an address, running, deleted', async () => {
    const { kube, pods } = await setUp();
    await pods.start();
    assert.deepEqual(pods.targets(), []);
    kube.create(pod({ name: 'web-1', phase: 'Pending' }));
    kube.update(pod({ name: 'web-1', phase: 'Pending', podIP: '10.1.0.1' }));
    kube.create(pod({ name: 'marker', podIP: '10.1.0.9' }));
    await until(pods, ['default/marker http://10.1.0.9:4191/metrics pod/marker']);
    kube.update(pod({ name: 'web-1', phase: 'Running', podIP: '10.1.0.1' }));
    await until(pods, ['default/marker http://10.1.0.9:4191/metrics pod/marker', 'default/web-1 http://10.1.0.1:4191/metrics pod/web-1']);
    kube.delete(pod({ name: 'web-1' }));
    await until(pods, ['default/marker http://10.1.0.9:4191/metrics pod/marker']);
  });

  it('names the Deployment once its ReplicaSet is known, and guesses it from the pod-template-hash before', async () => {
    const { kube, pods } = await setUp();
    await pods.start();
    kube.create(pod({ name: 'api-5c6b7-p1', podIP: '10.2.0.1', owners: [{ kind: 'ReplicaSet', name: 'api-5c6b7' }], labels: { 'pod-template-hash': '5c6b7' } }));
    kube.create(pod({ name: 'odd-p1', podIP: '10.2.0.2', owners: [{ kind: 'ReplicaSet', name: 'odd' }] }));
    await until(pods, ['default/api-5c6b7-p1 http://10.2.0.1:4191/metrics deployment/api', 'default/odd-p1 http://10.2.0.2:4191/metrics replicaset/odd']);
    // The ReplicaSets arrive later; an Argo Rollout owns one of them.
    kube.create(replicaSet({ name: 'odd', owners: [{ kind: 'Rollout', name: 'odd-rollout', apiVersion: 'argoproj.io/v1alpha1' }] }));
    kube.create(replicaSet({ name: 'api-5c6b7', owners: [{ kind: 'Deployment', name: 'api' }] }));
    await until(pods, ['default/api-5c6b7-p1 http://10.2.0.1:4191/metrics deployment/api', 'default/odd-p1 http://10.2.0.2:4191/metrics rollout/odd-rollout']);
  });

  it('keeps to its namespace and label selector, on the admin port given', async () => {
    const { kube, pods } = await setUp({ namespace: 'prod', labelSelector: 'app=web', adminPort: 9990 });
    kube.create(pod({ namespace: 'prod', name: 'web-1', podIP: '10.3.0.1', labels: { app: 'web' } }));
    kube.create(pod({ namespace: 'prod', name: 'db-1', podIP: '10.3.0.2', labels: { app: 'db' } }));
    kube.create(pod({ namespace: 'dev', name: 'web-1', podIP: '10.3.0.3', labels: { app: 'web' } }));
    await pods.start();
    assert.deepEqual(describeTargets(pods.targets()), ['prod/web-1 http://10.3.0.1:9990/metrics pod/web-1']);
    kube.update(pod({ namespace: 'prod', name: 'db-1', podIP: '10.3.0.2', labels: { app: 'web' } }));
    kube.update(pod({ namespace: 'prod', name: 'web-1', podIP: '10.3.0.1', labels: { app: 'gone' } }));
    await until(pods, ['prod/db-1 http://10.3.0.2:9990/metrics pod/db-1']);
    const watchPaths = kube.requests({ verb: 'watch' }).map((request) => request.path).sort();
    assert.deepEqual(watchPaths, ['/api/v1/namespaces/prod/pods', '/apis/apps/v1/namespaces/prod/replicasets']);
  });

  it('finds Istio, OSM and Consul sidecars beside Linkerd proxies, each at its own metrics endpoint; a named mesh only its own', async () => {
    const objects = [
      pod({ name: 'linkerd-1', podIP: '10.4.0.1' }),
      pod({ name: 'istio-1', podIP: '10.4.0.2', mesh: 'istio' }),
      pod({ name: 'istio-2', podIP: '10.4.0.3', mesh: 'istio-native' }),
      pod({ name: 'istio-3', podIP: 'fd00::4', mesh: 'istio-unmerged' }),
      pod({ name: 'plain-1', podIP: '10.4.0.5', mesh: 'none' }),
      pod({ name: 'osm-1', podIP: '10.4.0.6', mesh: 'osm' }),
      pod({ name: 'consul-1', podIP: '10.4.0.7', mesh: 'consul' }),
      pod({ name: 'consul-2', podIP: '10.4.0.8', mesh: 'consul-envoy-sidecar' }),
    ];
    const { kube, pods } = await setUp();
    for (const object of objects) kube.create(object);
    await pods.start();
    assert.deepEqual(describeTargets(pods.targets()), [
      // The announced merged endpoint, else consul-k8s' default.
      'default/consul-1 http://10.4.0.7:20201/metrics pod/consul-1',
      'default/consul-2 http://10.4.0.8:20200/metrics pod/consul-2',
      'default/istio-1 http://10.4.0.2:15020/stats/prometheus pod/istio-1',
      'default/istio-2 http://10.4.0.3:15020/stats/prometheus pod/istio-2',
      // Merging off: the prometheus.io annotations are the app's, the agent's default is used.
      'default/istio-3 http://[fd00::4]:15020/stats/prometheus pod/istio-3',
      'default/linkerd-1 http://10.4.0.1:4191/metrics pod/linkerd-1',
      'default/osm-1 http://10.4.0.6:15010/stats/prometheus pod/osm-1',
    ]);
    for (const [meshes, expected] of [
      [['linkerd'], ['default/linkerd-1']],
      [['istio'], ['default/istio-1', 'default/istio-2', 'default/istio-3']],
      [['osm'], ['default/osm-1']],
      [['consul'], ['default/consul-1', 'default/consul-2']],
    ] as const) {
      const named = await setUp({ meshes });
      for (const object of objects) named.kube.create(object);
      await named.pods.start();
      assert.deepEqual(named.pods.targets().map((target) => `${target.namespace}/${target.pod}`), expected);
    }
  });

  it('converges through the churn of 50 pods, a dropped watch and a relist', async () => {
    const { kube, pods } = await setUp();
    kube.create(replicaSet({ namespace: 'churn', name: 'app-1a2b3', owners: [{ kind: 'Deployment', name: 'app' }] }));
    await pods.start();
    await waitFor(() => kube.openWatches === 2, 'the pod and ReplicaSet watches');
    const live = new Map<string, string>();
    const owners = [{ kind: 'ReplicaSet', name: 'app-1a2b3' }];
    for (let index = 0; index < 50; index += 1) {
      const name = `app-1a2b3-${index}`;
      kube.create(pod({ namespace: 'churn', name, phase: 'Pending', owners }));
      // Every fifth pod stays pending; the others get an address, and some go away again.
      if (index % 5 !== 0) {
        const ip = `10.9.0.${index}`;
        kube.update(pod({ namespace: 'churn', name, podIP: ip, owners }));
        live.set(name, ip);
        if (index % 7 === 0) {
          kube.delete(pod({ namespace: 'churn', name }));
          live.delete(name);
        }
      }
      if (index === 20) kube.dropWatches();
      if (index === 35) {
        // Both watches go quiet and miss what follows …
        await waitFor(() => kube.openWatches === 2, 'the watches to be back');
        kube.stallWatches();
      }
      if (index === 45) {
        // … then end, and their resourceVersion has expired meanwhile: 410, relist.
        kube.expireHistory();
        kube.closeWatches();
      }
      // Let the client keep up now and then, so the churn meets open streams.
      if (index % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const expected = [...live.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, ip]) => `churn/${name} http://${ip}:4191/metrics deployment/app`);
    assert.equal(expected.length, 34);
    await until(pods, expected);
    // Two dropped streams, then for each watch a closed stream and a 410.
    assert.ok(pods.restarts >= 4, `restarts ${pods.restarts}`);
    assert.ok(kube.eventsSent('ERROR') >= 1);
    assert.equal(kube.requestCount({ verb: 'list', resource: 'pods' }), 2);
    await waitFor(() => pods.problems().length === 0, () => `no problems (${pods.problems().join('; ')})`);
  });
});
