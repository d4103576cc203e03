// The fake API server itself: discovery, list, watch, bookmarks, 410 and the test controls,
// checked over plain HTTP so the client-node tests stand on known ground.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FakeKubeServer, PODS, compareVersionPriority, pod, sendJson, trafficSplit, waitFor } from '../helpers/fake-kube/index.js';
import { trafficSplitCrd } from './crds.js';
import { RawWatch, getJson } from './raw-watch.js';

type Json = Record<string, unknown>;

describe('fake API server', () => {
  let kube: FakeKubeServer;
  const watches: RawWatch[] = [];

  before(async () => {
    kube = await FakeKubeServer.start({ bookmarkIntervalMs: 20, historyLimit: 50 });
    kube.serve(PODS, trafficSplitCrd('linkerd-smi'));
  });
  after(async () => {
    for (const watch of watches) watch.close();
    await kube.close();
  });

  async function watch(path: string): Promise<RawWatch> {
    const opened = await RawWatch.open(kube, path);
    watches.push(opened);
    return opened;
  }

  it('serves version and discovery, with the preferred version of the CRD', async () => {
    assert.equal(((await getJson(kube, '/version')).body as Json).gitVersion, 'v1.30.0-fake');
    assert.deepEqual(((await getJson(kube, '/api')).body as Json).versions, ['v1']);
    const core = (await getJson(kube, '/api/v1')).body as { resources: { name: string; namespaced: boolean }[] };
    assert.deepEqual(core.resources.map((resource) => [resource.name, resource.namespaced]), [['pods', true]]);

    const groups = (await getJson(kube, '/apis')).body as { kind: string; groups: { name: string; versions: { version: string }[]; preferredVersion: { version: string } }[] };
    assert.equal(groups.kind, 'APIGroupList');
    const split = groups.groups.find((group) => group.name === 'split.smi-spec.io');
    assert.deepEqual(split?.versions.map((version) => version.version), ['v1alpha2', 'v1alpha1']);
    assert.equal(split?.preferredVersion.version, 'v1alpha2');

    const group = (await getJson(kube, '/apis/split.smi-spec.io')).body as Json;
    assert.equal(group.kind, 'APIGroup');
    const resources = (await getJson(kube, '/apis/split.smi-spec.io/v1alpha1')).body as { groupVersion: string; resources: { name: string; kind: string }[] };
    assert.equal(resources.groupVersion, 'split.smi-spec.io/v1alpha1');
    assert.deepEqual(resources.resources.map((resource) => `${resource.name}/${resource.kind}`), ['trafficsplits/TrafficSplit']);
    assert.equal((await getJson(kube, '/apis/split.smi-spec.io/v1alpha4')).status, 404);
    assert.equal((await getJson(kube, '/apis/split.smi-spec.io/v1alpha4/trafficsplits')).status, 404);
  });

  it('orders versions as Kubernetes does', () => {
    assert.deepEqual(['v1alpha1', 'v2', 'v1beta1', 'v1', 'v1alpha4', 'v11alpha2', 'foo'].sort(compareVersionPriority), [
      'v2',
      'v1',
      'v1beta1',
      'v11alpha2',
      'v1alpha4',
      'v1alpha1',
      'foo',
    ]);
  });

  it('refuses requests without the bearer token', async () => {
    const response = await getJson(kube, '/api/v1/pods', null);
    assert.equal(response.status, 401);
    assert.equal((response.body as Json).kind, 'Status');
  });

  it('lists cluster-wide and per namespace, filters by label, and stamps a growing resourceVersion', async () => {
    const first = kube.create(pod({ namespace: 'list-a', name: 'p1', labels: { app: 'web' } }));
    kube.create(pod({ namespace: 'list-a', name: 'p2', labels: { app: 'db' } }));
    const third = kube.create(pod({ namespace: 'list-b', name: 'p3', labels: { app: 'web' } }));
    const rv = (object: Json) => Number((object.metadata as Json).resourceVersion);
    assert.ok(rv(third) > rv(first));

    const all = (await getJson(kube, '/api/v1/pods?labelSelector=app%3Dweb')).body as { kind: string; metadata: { resourceVersion: string }; items: Json[] };
    assert.equal(all.kind, 'PodList');
    assert.equal(all.metadata.resourceVersion, kube.resourceVersion);
    assert.deepEqual(all.items.map((item) => (item.metadata as Json).name), ['p1', 'p3']);
    // A built-in type's list items carry no apiVersion/kind, as on a real server.
    assert.equal(all.items[0]?.kind, undefined);

    const one = (await getJson(kube, '/api/v1/namespaces/list-a/pods')).body as { items: Json[] };
    assert.deepEqual(one.items.map((item) => (item.metadata as Json).name), ['p1', 'p2']);
    const notEqual = (await getJson(kube, '/api/v1/namespaces/list-a/pods?labelSelector=app!%3Dweb')).body as { items: Json[] };
    assert.deepEqual(notEqual.items.map((item) => (item.metadata as Json).name), ['p2']);
    assert.equal((await getJson(kube, '/api/v1/pods?labelSelector=app%3D%3D%3D')).status, 400);
    assert.equal((await getJson(kube, '/api/v1/namespaces/list-b/pods/p3')).status, 200);
    assert.equal((await getJson(kube, '/api/v1/namespaces/list-b/pods/nope')).status, 404);
  });

  it('serves a stored object under every served version, converting nothing but apiVersion', async () => {
    kube.create(trafficSplit({ namespace: 'conv', name: 'web', version: 'v1alpha1', backends: { 'web-v1': '500m', 'web-v2': '500m' } }));
    const list = (await getJson(kube, '/apis/split.smi-spec.io/v1alpha2/namespaces/conv/trafficsplits')).body as { items: Json[] };
    assert.equal(list.items[0]?.apiVersion, 'split.smi-spec.io/v1alpha2');
    assert.equal(list.items[0]?.kind, 'TrafficSplit');
    assert.deepEqual((list.items[0]?.spec as Json).backends, [
      { service: 'web-v1', weight: '500m' },
      { service: 'web-v2', weight: '500m' },
    ]);
  });

  it('watches from a resourceVersion: replays what came after it, then streams live changes', async () => {
    const start = kube.resourceVersion;
    kube.create(pod({ namespace: 'watch', name: 'before' }));
    const stream = await watch(`/api/v1/namespaces/watch/pods?watch=true&resourceVersion=${start}`);
    assert.equal(stream.status, 200);
    await stream.waitForEvents(1);
    kube.update(pod({ namespace: 'watch', name: 'before', podIP: '10.0.0.9' }));
    kube.create(pod({ namespace: 'elsewhere', name: 'other' }));
    kube.delete(pod({ namespace: 'watch', name: 'before' }));
    await stream.waitForEvents(3);
    assert.deepEqual(stream.summary(), ['ADDED before', 'MODIFIED before', 'DELETED before']);
    const rvs = stream.events.map((event) => Number(event.object.metadata?.resourceVersion));
    assert.deepEqual([...rvs].sort((a, b) => a - b), rvs);
  });

  it('starts a watch without resourceVersion with the current state as ADDED events', async () => {
    kube.create(pod({ namespace: 'state', name: 'a' }));
    kube.create(pod({ namespace: 'state', name: 'b' }));
    const stream = await watch('/api/v1/namespaces/state/pods?watch=1');
    await stream.waitForEvents(2);
    assert.deepEqual(stream.summary(), ['ADDED a', 'ADDED b']);
  });

  it('turns label changes into ADDED and DELETED for a filtered watch', async () => {
    kube.create(pod({ namespace: 'labels', name: 'x', labels: { tier: 'front' } }));
    const stream = await watch(`/api/v1/namespaces/labels/pods?watch=true&labelSelector=tier%3Dback&resourceVersion=${kube.resourceVersion}`);
    kube.update(pod({ namespace: 'labels', name: 'x', labels: { tier: 'back' } }));
    kube.update(pod({ namespace: 'labels', name: 'x', labels: { tier: 'back', v: '2' } }));
    kube.update(pod({ namespace: 'labels', name: 'x', labels: { tier: 'front' } }));
    await stream.waitForEvents(3);
    assert.deepEqual(stream.summary(), ['ADDED x', 'MODIFIED x', 'DELETED x']);
  });

  it('sends bookmarks only to watches that ask for them', async () => {
    const silent = await watch(`/api/v1/namespaces/quiet/pods?watch=true&resourceVersion=${kube.resourceVersion}`);
    const bookmarked = await watch(`/api/v1/namespaces/quiet/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${kube.resourceVersion}`);
    await bookmarked.waitForEvents(2, 'two bookmarks');
    const bookmark = bookmarked.events[0];
    assert.equal(bookmark?.type, 'BOOKMARK');
    assert.equal(bookmark?.object.kind, 'Pod');
    assert.equal(bookmark?.object.metadata?.resourceVersion, kube.resourceVersion);
    assert.equal(silent.events.length, 0);
  });

  it('answers a too-old resourceVersion with an ERROR event carrying 410 Expired, then ends the stream', async () => {
    const old = kube.resourceVersion;
    kube.create(pod({ namespace: 'expire', name: 'e1' }));
    kube.expireHistory();
    const stream = await watch(`/api/v1/namespaces/expire/pods?watch=true&resourceVersion=${old}`);
    assert.equal(stream.status, 200);
    await waitFor(() => stream.ended, 'the stream to end');
    assert.equal(stream.events.length, 1);
    assert.equal(stream.events[0]?.type, 'ERROR');
    assert.equal(stream.events[0]?.object.code, 410);
    assert.equal(stream.events[0]?.object.reason, 'Expired');
    // The current resourceVersion is still good.
    const current = await watch(`/api/v1/namespaces/expire/pods?watch=true&resourceVersion=${kube.resourceVersion}`);
    kube.create(pod({ namespace: 'expire', name: 'e2' }));
    await current.waitForEvents(1);
    assert.deepEqual(current.summary(), ['ADDED e2']);
  });

  it('expires resourceVersions that fell out of the bounded history', async () => {
    const small = await FakeKubeServer.start({ historyLimit: 3, expiredWatch: 'status' });
    try {
      small.serve(PODS);
      const old = small.resourceVersion;
      for (let index = 0; index < 5; index += 1) small.create(pod({ name: `h${index}` }));
      const response = await getJson(small, `/api/v1/pods?watch=true&resourceVersion=${old}`);
      assert.equal(response.status, 410);
      assert.equal((response.body as Json).reason, 'Expired');
      const recent = await RawWatch.open(small, `/api/v1/pods?watch=true&resourceVersion=${Number(small.resourceVersion) - 2}`);
      await recent.waitForEvents(2);
      assert.deepEqual(recent.summary(), ['ADDED h3', 'ADDED h4']);
      recent.close();
    } finally {
      await small.close();
    }
  });

  it('drops, closes and stalls open watches on command, and counts requests', async () => {
    const lists = kube.requestCount({ verb: 'list', resource: 'pods' });
    await getJson(kube, '/api/v1/namespaces/controls/pods');
    assert.equal(kube.requestCount({ verb: 'list', resource: 'pods' }), lists + 1);

    const dropped = await watch('/api/v1/namespaces/controls/pods?watch=true');
    await waitFor(() => kube.openWatches >= 1, 'the watch to be open');
    kube.dropWatches();
    await waitFor(() => dropped.ended, 'the dropped stream to end');
    assert.equal(kube.openWatches, 0);

    const closed = await watch('/api/v1/namespaces/controls/pods?watch=true');
    assert.equal(kube.closeWatches(), 1);
    await waitFor(() => closed.ended, 'the closed stream to end');

    const stalled = await watch(`/api/v1/namespaces/controls/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${kube.resourceVersion}`);
    await stalled.waitForEvents(1, 'a first bookmark');
    assert.equal(kube.stallWatches(), 1);
    const seen = stalled.events.length;
    kube.create(pod({ namespace: 'controls', name: 'unseen' }));
    const fresh = await watch(`/api/v1/namespaces/controls/pods?watch=true&resourceVersion=${Number(kube.resourceVersion) - 1}`);
    await fresh.waitForEvents(1, 'the event on a new watch');
    assert.equal(stalled.events.length, seen);
    assert.equal(stalled.ended, false);
    assert.ok(kube.requestCount({ verb: 'watch', resource: 'pods' }) >= 3);
  });

  it('injects failures and takes extra routes', async () => {
    kube.failNext({ verb: 'list', resource: 'pods', code: 503 });
    assert.equal((await getJson(kube, '/api/v1/pods')).status, 503);
    assert.equal((await getJson(kube, '/api/v1/pods')).status, 200);

    kube.route('GET', /^\/apis\/example\.com\/v1\/things\/([^/]+)$/, (_req, res, match) => sendJson(res, 200, { name: match[1] }));
    kube.route('GET', /^\/boom$/, () => {
      throw new Error('handler failed');
    });
    assert.deepEqual((await getJson(kube, '/apis/example.com/v1/things/abc')).body, { name: 'abc' });
    const failed = await getJson(kube, '/boom');
    assert.equal(failed.status, 500);
    assert.equal((failed.body as Json).message, 'handler failed');
  });
});
