// KubeSplitSource against the fake API server, through the real client-node informer: every CRD
// vintage, namespace and label filters, and objects that are not usable splits.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadKubeSplits, SplitStore } from '../../src/splits/index.js';
import type { KubeSplitSourceOptions, SplitChange } from '../../src/splits/index.js';
import { FakeKubeServer, kubeConfigFor, trafficSplit, waitFor } from '../helpers/fake-kube/index.js';
import { trafficSplitCrd } from './crds.js';
import type { CrdVintage } from './crds.js';

const { KubeSplitSource } = await loadKubeSplits();
type KubeSplitSource = InstanceType<typeof KubeSplitSource>;

/** `namespace/name@version=backend:weight,…` for every split in the store. */
function contents(store: SplitStore): string[] {
  return store.list().map((split) => `${split.key}@${split.apiVersion.split('/')[1] ?? ''}=${split.backends.map((b) => `${b.service}:${b.weightString}`).join(',')}`);
}

describe('KubeSplitSource', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function fakeCluster(vintage: CrdVintage | undefined): Promise<FakeKubeServer> {
    const kube = await FakeKubeServer.start();
    if (vintage !== undefined) kube.serve(trafficSplitCrd(vintage));
    cleanups.push(() => kube.close());
    return kube;
  }

  function source(kube: FakeKubeServer, store: SplitStore, options: Partial<KubeSplitSourceOptions> = {}, log: string[] = []): KubeSplitSource {
    const created = new KubeSplitSource({
      kubeConfig: kubeConfigFor(kube),
      store,
      backoff: { initialMs: 20, maxMs: 200, jitter: 0 },
      log: (line) => log.push(line),
      ...options,
    });
    cleanups.push(() => created.stop());
    return created;
  }

  const vintages: { vintage: CrdVintage; served: string; created: string }[] = [
    // linkerd-smi: v1alpha1 storage without conversion; the preferred v1alpha2 hands out a
    // v1alpha1 object's Quantity strings as they are.
    { vintage: 'linkerd-smi', served: 'v1alpha2', created: 'v1alpha1' },
    { vintage: 'osm', served: 'v1alpha2', created: 'v1alpha2' },
    { vintage: 'smi-sdk-go-v1alpha4', served: 'v1alpha4', created: 'v1alpha4' },
  ];
  for (const { vintage, served, created } of vintages) {
    it(`follows splits on a ${vintage} cluster through ${served}`, async () => {
      const kube = await fakeCluster(vintage);
      kube.create(trafficSplit({ namespace: 'shop', name: 'web', version: created, backends: { 'web-v1': '500m', 'web-v2': '500m' } }));
      kube.create(trafficSplit({ namespace: 'link', name: 'api', version: created, backends: { 'api-v1': 90, 'api-v2': 10 } }));
      const store = new SplitStore();
      const splits = source(kube, store);
      assert.equal(splits.ready, false);
      await splits.start();
      assert.equal(splits.ready, true);
      assert.equal(splits.servedVersion, served);
      assert.deepEqual(contents(store), [`link/api@${served}=api-v1:90,api-v2:10`, `shop/web@${served}=web-v1:500m,web-v2:500m`]);
      assert.deepEqual(store.get('shop/web')?.backends.map((backend) => backend.weightRatio), [0.5, 0.5]);

      kube.update(trafficSplit({ namespace: 'shop', name: 'web', version: created, backends: { 'web-v1': '100m', 'web-v2': '900m' } }));
      kube.create(trafficSplit({ namespace: 'shop', name: 'cart', version: created, backends: { cart: 1 } }));
      kube.delete(trafficSplit({ namespace: 'link', name: 'api', version: created, backends: {} }));
      await waitFor(
        () => contents(store).join(' ') === `shop/cart@${served}=cart:1 shop/web@${served}=web-v1:100m,web-v2:900m`,
        () => `the store to follow (has ${JSON.stringify(contents(store))})`,
      );
      assert.deepEqual(splits.problems(), []);
      assert.equal(splits.restarts, 0);
    });
  }

  it('emits one change per real change: the informer does not repeat what a list delivered', async () => {
    const kube = await fakeCluster('osm');
    kube.create(trafficSplit({ name: 'web', backends: { a: 1, b: 1 } }));
    const store = new SplitStore();
    const changes: string[] = [];
    store.onChange((change: SplitChange) => changes.push(`${change.type} ${change.split.key}`));
    await source(kube, store).start();
    kube.update(trafficSplit({ name: 'web', backends: { a: 1, b: 3 } }));
    await waitFor(() => store.get('default/web')?.backends[1]?.weightString === '3', 'the update');
    kube.delete(trafficSplit({ name: 'web', backends: {} }));
    await waitFor(() => store.size === 0, 'the delete');
    assert.deepEqual(changes, ['upsert default/web', 'upsert default/web', 'delete default/web']);
  });

  it('watches one namespace and one label selector only', async () => {
    const kube = await fakeCluster('osm');
    kube.create(trafficSplit({ namespace: 'prod', name: 'pay', backends: { a: 1 }, labels: { team: 'payments' } }));
    kube.create(trafficSplit({ namespace: 'prod', name: 'search', backends: { a: 1 }, labels: { team: 'search' } }));
    kube.create(trafficSplit({ namespace: 'dev', name: 'pay', backends: { a: 1 }, labels: { team: 'payments' } }));
    const store = new SplitStore();
    await source(kube, store, { namespace: 'prod', labelSelector: 'team=payments' }).start();
    assert.deepEqual(contents(store), ['prod/pay@v1alpha2=a:1']);

    kube.create(trafficSplit({ namespace: 'dev', name: 'other', backends: { a: 1 }, labels: { team: 'payments' } }));
    kube.create(trafficSplit({ namespace: 'prod', name: 'late', backends: { a: 1 }, labels: { team: 'payments' } }));
    // Relabelled out of the selection: the server sends DELETED, the split goes away.
    kube.update(trafficSplit({ namespace: 'prod', name: 'pay', backends: { a: 1 }, labels: { team: 'gone' } }));
    // Relabelled into it: ADDED.
    kube.update(trafficSplit({ namespace: 'prod', name: 'search', backends: { a: 1 }, labels: { team: 'payments' } }));
    await waitFor(
      () => contents(store).join(' ') === 'prod/late@v1alpha2=a:1 prod/search@v1alpha2=a:1',
      () => `the filtered view (has ${JSON.stringify(contents(store))})`,
    );
    const watches = kube.requests({ verb: 'watch', resource: 'trafficsplits' });
    assert.equal(watches[0]?.path, '/apis/split.smi-spec.io/v1alpha2/namespaces/prod/trafficsplits');
    assert.equal(watches[0]?.query.labelSelector, 'team=payments');
    assert.equal(watches[0]?.query.allowWatchBookmarks, 'true');
  });

  it('reports an object that is not a usable split without disturbing the others, and shows splits with issues', async () => {
    const kube = await fakeCluster('osm');
    const type = trafficSplitCrd('osm');
    kube.create(trafficSplit({ name: 'good', backends: { a: 1, b: 1 } }));
    kube.create(trafficSplit({ name: 'weights', backends: { a: '12x', b: -1 } }));
    // Something answering for the API that hands out another kind (a broken aggregated API, a proxy).
    kube.create({ ...trafficSplit({ name: 'alien', backends: { a: 1 } }), kind: 'NotATrafficSplit' }, { as: type });
    const store = new SplitStore();
    const log: string[] = [];
    const splits = source(kube, store, {}, log);
    await splits.start();
    assert.deepEqual(contents(store), ['default/good@v1alpha2=a:1,b:1', 'default/weights@v1alpha2=a:12x,b:-1']);
    assert.deepEqual(
      store.get('default/weights')?.issues.map((issue) => issue.code),
      ['invalid-weight', 'negative-weight'],
    );
    assert.deepEqual(splits.problems(), [
      {
        file: '/apis/split.smi-spec.io/v1alpha2/namespaces/default/trafficsplits/alien',
        message: 'not a usable TrafficSplit: kind "NotATrafficSplit" is not TrafficSplit',
      },
    ]);
    assert.equal(log.filter((line) => line.includes('alien')).length, 1);

    // The others keep changing normally.
    kube.update(trafficSplit({ name: 'good', backends: { a: 1, b: 4 } }));
    // A usable object that turns unusable leaves the store and is reported.
    kube.update({ ...trafficSplit({ name: 'weights', backends: { a: 1 } }), kind: 'Other' }, { as: type });
    await waitFor(() => contents(store).join(' ') === 'default/good@v1alpha2=a:1,b:4', () => `the good split only (${JSON.stringify(contents(store))})`);
    assert.equal(splits.problems().length, 2);

    // Fixed, or deleted: the problem goes away.
    kube.update(trafficSplit({ name: 'alien', backends: { a: 1 } }), { as: type });
    kube.delete(trafficSplit({ name: 'weights', backends: {} }));
    await waitFor(() => contents(store).length === 2 && splits.problems().length === 0, () => `the fix (${JSON.stringify(splits.problems())})`);
    assert.deepEqual(contents(store), ['default/alien@v1alpha2=a:1', 'default/good@v1alpha2=a:1,b:4']);
  });

  it('waits for the TrafficSplit API to appear, reporting that it is missing', async () => {
    const kube = await fakeCluster(undefined);
    const store = new SplitStore();
    const splits = source(kube, store);
    let started = false;
    const starting = splits.start().then(() => (started = true));
    await waitFor(() => splits.problems().some((problem) => problem.message.includes('serves no trafficsplits in the split.smi-spec.io API')), 'the missing API to be reported');
    assert.equal(started, false);
    assert.equal(splits.ready, false);

    kube.serve(trafficSplitCrd('smi-sdk-go-v1alpha4'));
    kube.create(trafficSplit({ name: 'web', version: 'v1alpha4', backends: { a: 1 } }));
    await starting;
    assert.equal(splits.servedVersion, 'v1alpha4');
    assert.deepEqual(contents(store), ['default/web@v1alpha4=a:1']);
    assert.deepEqual(splits.problems(), []);
    assert.ok(splits.restarts >= 1);
  });
});
