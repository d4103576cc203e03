// HTTPRoute splits from the fake API server, through the real client-node informer: Gateway API
// and Linkerd's policy.linkerd.io HTTPRoutes beside TrafficSplits in one store, each source
// owning only its own kind.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY_HTTP_ROUTE, LINKERD_HTTP_ROUTE, loadKubeSplits, SplitStore, TRAFFIC_SPLIT } from '../../src/splits/index.js';
import type { SplitKind } from '../../src/splits/index.js';
import { FakeKubeServer, kubeConfigFor, trafficSplit, waitFor } from '../helpers/fake-kube/index.js';
import { httpRouteCrd, trafficSplitCrd } from './crds.js';

const { KubeSplitSource } = await loadKubeSplits();
type KubeSplitSource = InstanceType<typeof KubeSplitSource>;

interface RouteInit {
  readonly name: string;
  readonly namespace?: string;
  readonly apiVersion?: string;
  readonly parents: readonly string[];
  readonly backends: Readonly<Record<string, number>>;
}

function httpRoute({ name, namespace = 'default', apiVersion = 'gateway.networking.k8s.io/v1', parents, backends }: RouteInit): object {
  return {
    apiVersion,
    kind: 'HTTPRoute',
    metadata: { namespace, name },
    spec: {
      parentRefs: parents.map((parent) => (parent.startsWith('gateway:') ? { name: parent.slice('gateway:'.length) } : { group: 'core', kind: 'Service', name: parent, port: 80 })),
      rules: [{ backendRefs: Object.entries(backends).map(([backend, weight]) => ({ name: backend, port: 80, weight })) }],
    },
  };
}

/** `kind namespace/name apex=backend:weight,…` for every split in the store. */
function contents(store: SplitStore): string[] {
  return store.list().map((split) => `${split.kind} ${split.namespace}/${split.name} ${split.apex}=${split.backends.map((b) => `${b.service}:${b.weightString}`).join(',')}`);
}

describe('KubeSplitSource: HTTPRoute splits', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function cluster(): Promise<FakeKubeServer> {
    const kube = await FakeKubeServer.start();
    kube.serve(trafficSplitCrd('linkerd-smi'));
    kube.serve(httpRouteCrd('gateway-api'));
    kube.serve(httpRouteCrd('linkerd-policy'));
    cleanups.push(() => kube.close());
    return kube;
  }

  function source(kube: FakeKubeServer, store: SplitStore, kind: SplitKind): KubeSplitSource {
    const created = new KubeSplitSource({ kubeConfig: kubeConfigFor(kube), store, kind, backoff: { initialMs: 20, maxMs: 200, jitter: 0 }, log: () => undefined });
    cleanups.push(() => created.stop());
    return created;
  }

  it('follows weighted HTTPRoutes of both groups beside TrafficSplits, one split per Service parent', async () => {
    const kube = await cluster();
    kube.create(trafficSplit({ name: 'web', version: 'v1alpha2', backends: { 'web-v1': 900, 'web-v2': 100 } }));
    kube.create(httpRoute({ name: 'web', parents: ['web'], backends: { 'web-v1': 90, 'web-v2': 10 } }));
    kube.create(httpRoute({ name: 'both', parents: ['api', 'cart'], backends: { v1: 1, v2: 1 } }));
    kube.create(httpRoute({ name: 'edge', parents: ['gateway:public'], backends: { a: 1, b: 1 } }));
    kube.create(httpRoute({ name: 'mesh', apiVersion: 'policy.linkerd.io/v1beta3', parents: ['books'], backends: { 'books-v1': 3, 'books-v2': 1 } }));
    const store = new SplitStore();
    const sources = [TRAFFIC_SPLIT, GATEWAY_HTTP_ROUTE, LINKERD_HTTP_ROUTE].map((kind) => source(kube, store, kind));
    await Promise.all(sources.map((each) => each.start()));
    assert.deepEqual(sources.map((each) => each.servedVersion), ['v1alpha2', 'v1', 'v1beta3']);
    assert.deepEqual(contents(store), [
      'HTTPRoute default/both@api api=v1:1,v2:1',
      'HTTPRoute default/both@cart cart=v1:1,v2:1',
      'HTTPRoute default/mesh books=books-v1:3,books-v2:1',
      'TrafficSplit default/web web=web-v1:900,web-v2:100',
      'HTTPRoute default/web web=web-v1:90,web-v2:10',
    ]);
    assert.deepEqual(sources.flatMap((each) => each.problems()), []);

    // A parent dropped takes its split with it; a route deleted takes all of its splits.
    kube.update(httpRoute({ name: 'both', parents: ['api'], backends: { v1: 1, v2: 3 } }));
    kube.update(httpRoute({ name: 'web', parents: ['web'], backends: { 'web-v1': 50, 'web-v2': 50 } }));
    kube.delete(httpRoute({ name: 'mesh', apiVersion: 'policy.linkerd.io/v1beta3', parents: [], backends: {} }));
    await waitFor(
      () =>
        contents(store).join(' | ') ===
        'HTTPRoute default/both api=v1:1,v2:3 | TrafficSplit default/web web=web-v1:900,web-v2:100 | HTTPRoute default/web web=web-v1:50,web-v2:50',
      () => `the store to follow (has ${JSON.stringify(contents(store))})`,
    );

    // A relist of one kind replaces only that kind's splits.
    kube.delete(trafficSplit({ name: 'web', version: 'v1alpha2', backends: {} }));
    await waitFor(() => contents(store).length === 2, () => `the TrafficSplit to go (has ${JSON.stringify(contents(store))})`);
    assert.deepEqual(contents(store), ['HTTPRoute default/both api=v1:1,v2:3', 'HTTPRoute default/web web=web-v1:50,web-v2:50']);
  });

  it('reports a route that cannot be read and keeps the others; a cluster without Gateway API is absent, not broken', async () => {
    const kube = await cluster();
    kube.create(httpRoute({ name: 'good', parents: ['web'], backends: { a: 1, b: 1 } }));
    kube.create({ ...httpRoute({ name: 'consumer', parents: [], backends: { a: 1, b: 1 } }), spec: { parentRefs: [{ group: 'core', kind: 'Service', name: 'web', namespace: 'elsewhere' }] } });
    const store = new SplitStore();
    const routes = source(kube, store, GATEWAY_HTTP_ROUTE);
    await routes.start();
    assert.deepEqual(contents(store), ['HTTPRoute default/good web=a:1,b:1']);
    assert.equal(routes.problems().length, 1);
    assert.match(routes.problems()[0]?.message ?? '', /consumer routes are not read/);

    const bare = await FakeKubeServer.start();
    cleanups.push(() => bare.close());
    const missing = source(bare, new SplitStore(), GATEWAY_HTTP_ROUTE);
    void missing.start().catch(() => undefined);
    await waitFor(() => missing.absent, 'discovery to say the group is not served');
    assert.equal(missing.ready, false);
  });

  it('a group served for other resources only (Linkerd 2.11: policy.linkerd.io Servers) has no HTTPRoutes: absent, not broken', async () => {
    const kube = await FakeKubeServer.start();
    cleanups.push(() => kube.close());
    kube.serve({ group: 'policy.linkerd.io', versions: ['v1beta1'], resource: 'servers', kind: 'Server' });
    const routes = source(kube, new SplitStore(), LINKERD_HTTP_ROUTE);
    void routes.start().catch(() => undefined);
    await waitFor(() => routes.absent, 'discovery to say there are no httproutes');
    assert.equal(kube.requests({ verb: 'list', resource: 'httproutes' }).length, 0, 'no list of a resource that is not served');
  });
});
