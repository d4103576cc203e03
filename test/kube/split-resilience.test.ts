// KubeSplitSource when the API server misbehaves: dropped, expired, silent and refused watches,
// failing lists, and shutdown. Each case ends with the store equal to the cluster.
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadKubeSplits, SplitStore } from '../../src/splits/index.js';
import type { KubeSplitSourceOptions } from '../../src/splits/index.js';
import { FakeKubeServer, kubeConfigFor, trafficSplit, waitFor } from '../helpers/fake-kube/index.js';
import type { FakeKubeOptions } from '../helpers/fake-kube/index.js';
import { trafficSplitCrd } from './crds.js';

const { KubeSplitSource } = await loadKubeSplits();
type KubeSplitSource = InstanceType<typeof KubeSplitSource>;

function names(store: SplitStore): string {
  return store
    .list()
    .map((split) => `${split.name}=${split.backends.map((b) => b.weightString).join('/')}`)
    .join(' ');
}

describe('KubeSplitSource resilience', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  interface Running {
    readonly kube: FakeKubeServer;
    readonly store: SplitStore;
    readonly splits: KubeSplitSource;
    readonly log: string[];
  }

  async function setUp(fake: FakeKubeOptions = {}, options: Partial<KubeSplitSourceOptions> = {}, seed = true): Promise<Running> {
    const kube = await FakeKubeServer.start(fake);
    kube.serve(trafficSplitCrd('osm'));
    cleanups.push(() => kube.close());
    if (seed) {
      kube.create(trafficSplit({ name: 'web', backends: { 'web-v1': 9, 'web-v2': 1 } }));
      kube.create(trafficSplit({ name: 'api', backends: { 'api-v1': 1 } }));
    }
    const store = new SplitStore();
    const log: string[] = [];
    const splits = new KubeSplitSource({
      kubeConfig: kubeConfigFor(kube),
      store,
      backoff: { initialMs: 20, maxMs: 200, jitter: 0 },
      log: (line) => log.push(line),
      ...options,
    });
    cleanups.push(() => splits.stop());
    return { kube, store, splits, log };
  }

  const lists = (kube: FakeKubeServer) => kube.requestCount({ verb: 'list', resource: 'trafficsplits' });
  const watches = (kube: FakeKubeServer) => kube.requestCount({ verb: 'watch', resource: 'trafficsplits' });

  it('heals a dropped watch by re-watching from where it was, losing nothing changed meanwhile', async () => {
    const { kube, store, splits, log } = await setUp();
    await splits.start();
    await waitFor(() => kube.openWatches === 1, 'the watch');
    kube.dropWatches();
    // Written while the client is disconnected (it waits out its backoff first).
    kube.update(trafficSplit({ name: 'web', backends: { 'web-v1': 5, 'web-v2': 5 } }));
    kube.delete(trafficSplit({ name: 'api', backends: {} }));
    await waitFor(() => names(store) === 'web=5/5', () => `the changes (${names(store)})`);
    await waitFor(() => kube.openWatches === 1, 'a new watch');
    assert.equal(splits.restarts, 1);
    assert.equal(lists(kube), 1, 'replayed from the resourceVersion, no relist');
    assert.equal(watches(kube), 2);
    assert.ok(log.some((line) => line.includes('the watch stream broke') && line.includes('Premature close')), log.join('\n'));
    kube.create(trafficSplit({ name: 'late', backends: { a: 1 } }));
    await waitFor(() => names(store) === 'late=1 web=5/5', () => `live events again (${names(store)})`);
    assert.deepEqual(splits.problems(), []);
  });

  it('relists after a 410 Expired event and converges, deletions included', async () => {
    const { kube, store, splits, log } = await setUp();
    await splits.start();
    await waitFor(() => kube.openWatches === 1, 'the watch');
    kube.stallWatches();
    kube.delete(trafficSplit({ name: 'api', backends: {} }));
    kube.update(trafficSplit({ name: 'web', backends: { 'web-v1': 0, 'web-v2': 1 } }));
    kube.create(trafficSplit({ name: 'new', backends: { n: 2 } }));
    kube.expireHistory();
    // The server ends the (silent) stream; the client re-watches from its old resourceVersion,
    // which is gone now: ERROR 410, then a relist.
    kube.closeWatches();
    await waitFor(() => names(store) === 'new=2 web=0/1', () => `convergence (${names(store)})`);
    assert.equal(lists(kube), 2);
    assert.ok(kube.eventsSent('ERROR') >= 1);
    assert.ok(log.some((line) => line.includes('410')), log.join('\n'));
    assert.ok(splits.restarts >= 1);
  });

  it('relists after a watch answered with HTTP 410', async () => {
    const { kube, store, splits } = await setUp({ expiredWatch: 'status' });
    await splits.start();
    await waitFor(() => kube.openWatches === 1, 'the watch');
    kube.stallWatches();
    kube.delete(trafficSplit({ name: 'web', backends: {} }));
    kube.expireHistory();
    kube.closeWatches();
    await waitFor(() => names(store) === 'api=1', () => `convergence (${names(store)})`);
    assert.equal(lists(kube), 2);
  });

  it('restarts a stream that went silent, once the watchdog expires', async () => {
    const { kube, store, splits, log } = await setUp({}, { watchdogMs: 250 });
    await splits.start();
    await waitFor(() => kube.openWatches === 1, 'the watch');
    kube.stallWatches();
    kube.update(trafficSplit({ name: 'web', backends: { 'web-v1': 1, 'web-v2': 1 } }));
    await waitFor(() => names(store) === 'api=1 web=1/1', () => `the change through a new watch (${names(store)})`);
    assert.ok(splits.restarts >= 1);
    assert.equal(lists(kube), 1, 're-watched from the resourceVersion');
    assert.ok(log.some((line) => line.includes('no event or bookmark for 250 ms')), log.join('\n'));
  });

  it('keeps a quiet stream that receives bookmarks', async () => {
    const { kube, splits } = await setUp({ bookmarkIntervalMs: 25 }, { watchdogMs: 200 });
    await splits.start();
    // Long enough for several watchdog periods, measured in bookmarks rather than slept.
    await waitFor(() => kube.eventsSent('BOOKMARK') >= 20, 'twenty bookmarks');
    assert.equal(splits.restarts, 0);
    assert.equal(watches(kube), 1);
  });

  it('renews streams at their timeoutSeconds without counting restarts', async () => {
    const { kube, splits } = await setUp({}, { watchTimeoutSeconds: 1 });
    await splits.start();
    await waitFor(() => kube.watchesOpened >= 2, 'a renewed watch', 5000);
    const timeouts = kube.requests({ verb: 'watch' }).map((request) => Number(request.query.timeoutSeconds));
    assert.ok(timeouts.every((seconds) => seconds >= 1 && seconds <= 2), String(timeouts));
    assert.equal(splits.restarts, 0);
    assert.equal(lists(kube), 1);
  });

  it('starts over when not even the list answers', async () => {
    const { kube, store, splits, log } = await setUp({}, { watchdogMs: 200 });
    kube.hangNext({ verb: 'list', resource: 'trafficsplits' });
    await splits.start();
    assert.equal(names(store), 'api=1 web=9/1');
    assert.equal(splits.restarts, 1);
    assert.equal(lists(kube), 2);
    assert.ok(log.some((line) => line.includes('did not answer for 200 ms')), log.join('\n'));
  });

  it('retries failing lists with growing delays, counting each restart', async () => {
    const { kube, store, splits, log } = await setUp();
    kube.failNext({ verb: 'list', resource: 'trafficsplits', code: 500, count: 3 });
    await splits.start();
    assert.equal(names(store), 'api=1 web=9/1');
    assert.equal(splits.restarts, 3);
    assert.equal(lists(kube), 4);
    const delays = log.flatMap((line) => /restarting in (\d+) ms/.exec(line)?.[1] ?? []).map(Number);
    assert.deepEqual(delays, [20, 40, 80]);
    const restartLine = log.find((line) => line.includes('restarting in'));
    assert.match(restartLine ?? '', /trafficsplits \(split\.smi-spec\.io\/v1alpha2\): HTTP 500: injected failure \(500\); restarting in 20 ms$/);
  });

  it('re-watches from its resourceVersion when the server is unavailable, and rediscovers when the watch is refused', async () => {
    const { kube, store, splits } = await setUp();
    await splits.start();
    await waitFor(() => kube.openWatches === 1, 'the watch');
    kube.failNext({ verb: 'watch', resource: 'trafficsplits', code: 503, count: 2 });
    kube.dropWatches();
    kube.create(trafficSplit({ name: 'during-503', backends: { a: 1 } }));
    await waitFor(() => kube.openWatches === 1 && store.get('default/during-503') !== undefined, 'recovery from 503s');
    assert.equal(lists(kube), 1);
    assert.equal(splits.restarts, 3);

    const discoveries = kube.requestCount({ verb: 'discovery' });
    kube.failNext({ verb: 'watch', resource: 'trafficsplits', code: 403 });
    kube.dropWatches();
    kube.create(trafficSplit({ name: 'after-403', backends: { a: 1 } }));
    await waitFor(() => kube.openWatches === 1 && store.get('default/after-403') !== undefined, 'recovery from a 403');
    assert.equal(lists(kube), 2, 'a refused watch starts over with a list');
    // Rediscovery: the group list, then the resource list of the one version OSM's CRD serves.
    assert.equal(kube.requestCount({ verb: 'discovery' }), discoveries + 2);
  });

  it('stops for good: no restart, no open connection, and no error for its own abort', async () => {
    const { kube, splits, log } = await setUp();
    await splits.start();
    await waitFor(() => kube.openWatches === 1, 'the watch');
    const requests = kube.requestCount();
    const restarts = splits.restarts;
    await splits.stop();
    await waitFor(() => kube.openWatches === 0, 'the server to see the watch closed');
    kube.dropWatches();
    // Several backoff periods (20–200 ms) in which a restart would have shown up.
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(kube.requestCount(), requests);
    assert.equal(splits.restarts, restarts);
    assert.deepEqual(log.filter((line) => /error|Abort|restart/i.test(line)), []);
  });

  it('stops while the watch request is on its way, and closes that watch when it arrives', async () => {
    const { kube, store, splits, log } = await setUp();
    kube.delayNext({ verb: 'watch', resource: 'trafficsplits', ms: 150 });
    await splits.start();
    await waitFor(() => kube.requestCount({ verb: 'watch' }) === 1, 'the watch request to reach the server');
    await splits.stop();
    kube.update(trafficSplit({ name: 'web', backends: { 'web-v1': 1, 'web-v2': 1 } }));
    // The server answers it at last; the stopped source aborts it at once and takes nothing from it.
    await waitFor(() => kube.watchesOpened === 1, 'the late answer');
    await waitFor(() => kube.openWatches === 0, 'the client to close the late watch');
    assert.equal(names(store), 'api=1 web=9/1');
    assert.deepEqual(log.filter((line) => /error|restart/i.test(line)), []);
  });

  it('keeps watching when a store listener throws', async () => {
    const { kube, store, splits, log } = await setUp();
    store.onChange((change) => {
      if (change.split.name === 'bad-listener') throw new Error('listener bug');
    });
    await splits.start();
    kube.create(trafficSplit({ name: 'bad-listener', backends: { a: 1 } }));
    kube.create(trafficSplit({ name: 'zz-after', backends: { a: 1 } }));
    await waitFor(() => store.get('default/zz-after') !== undefined, 'the split after the failing one');
    assert.ok(log.some((line) => line.includes('listener bug')), log.join('\n'));
    assert.equal(splits.restarts, 0);
  });

  it('stops while waiting to retry, and start() then resolves', async () => {
    const { kube, splits } = await setUp({}, { backoff: { initialMs: 50, maxMs: 50, jitter: 0 } });
    kube.failNext({ verb: 'list', resource: 'trafficsplits', code: 500, count: 1000 });
    const starting = splits.start();
    await waitFor(() => lists(kube) >= 2, 'two failed lists');
    await splits.stop();
    await starting;
    const requests = kube.requestCount();
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(kube.requestCount(), requests);
    assert.equal(splits.ready, false);
  });

  it('leaves nothing running after stop(): no sockets, no timers', async () => {
    const { kube, splits } = await setUp({}, { watchdogMs: 100 });
    await splits.start();
    await waitFor(() => kube.openWatches === 1, 'the watch');
    await splits.stop();
    await kube.close();
    await waitFor(
      () => !process.getActiveResourcesInfo().some((resource) => resource === 'TCPSocketWrap' || resource === 'Timeout'),
      () => `sockets and timers to go (${process.getActiveResourcesInfo().join(', ')})`,
      2000,
    );
  });
});
