import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertClose, onlyError, post, setup, split } from '../../../test/helpers/graphql-context.js';

const NAMES = `query($namespace: String, $names: [String!], $labelSelector: String) {
  trafficSplits(namespace: $namespace, names: $names, labelSelector: $labelSelector) { namespace name }
}`;

const FULL = `query($window: String, $from: ClientSelector) {
  trafficSplits(namespace: "default", names: ["web"], window: $window, from: $from) {
    namespace name apiVersion apex
    labels { name value }
    issues { code message backend }
    stats { window windowSeconds successCount failureCount successRate rps latencyMsP50 latencyMsP95 latencyMsP99 }
    backends {
      service weight weightValue weightRatio observedRatio
      stats { window windowSeconds successCount failureCount successRate rps latencyMsP50 latencyMsP95 latencyMsP99 }
    }
  }
}`;

interface StatsOut {
  window: string;
  windowSeconds: number;
  successCount: number;
  failureCount: number;
  successRate: number;
  rps: number;
  latencyMsP50: number;
  latencyMsP95: number;
  latencyMsP99: number;
}
interface BackendOut {
  service: string;
  weight: string;
  weightValue: number | null;
  weightRatio: number | null;
  observedRatio: number | null;
  stats: StatsOut | null;
}
interface SplitOut {
  namespace: string;
  name: string;
  apiVersion: string;
  apex: string;
  labels: { name: string; value: string }[];
  issues: unknown[];
  stats: StatsOut | null;
  backends: BackendOut[];
}

function names(data: unknown): string[] {
  return ((data as { trafficSplits: { namespace: string; name: string }[] }).trafficSplits ?? []).map((s) => `${s.namespace}/${s.name}`);
}

function web(data: unknown): SplitOut {
  const splits = (data as { trafficSplits: SplitOut[] }).trafficSplits;
  assert.equal(splits.length, 1);
  return splits[0] as SplitOut;
}

function backend(split: SplitOut, service: string): BackendOut {
  const found = split.backends.find((b) => b.service === service);
  assert.ok(found, service);
  return found;
}

function assertStats(actual: StatsOut | null, expected: StatsOut, what: string): void {
  assert.ok(actual, `${what}: stats are null`);
  for (const [key, value] of Object.entries(expected)) {
    if (typeof value === 'number') assertClose(actual[key as keyof StatsOut], value, `${what}.${key}`);
    else assert.equal(actual[key as keyof StatsOut], value, `${what}.${key}`);
  }
}

describe('Query.trafficSplits filters', { timeout: 30_000 }, () => {
  const { yoga } = setup({ graphiql: false });

  it('lists every split sorted by namespace then name (not by the store key)', async () => {
    const { status, body } = await post(yoga, NAMES);
    assert.equal(status, 200);
    assert.deepEqual(names(body.data), ['a/two', 'a-b/one', 'default/api', 'default/web', 'prod/web']);
  });

  it('filters by namespace ("" means every namespace, as in Kubernetes)', async () => {
    assert.deepEqual(names((await post(yoga, NAMES, { namespace: 'default' })).body.data), ['default/api', 'default/web']);
    assert.equal(names((await post(yoga, NAMES, { namespace: '' })).body.data).length, 5);
    assert.deepEqual(names((await post(yoga, NAMES, { namespace: 'nowhere' })).body.data), []);
  });

  it('filters by names (an empty list means every name)', async () => {
    assert.deepEqual(names((await post(yoga, NAMES, { names: ['web', 'two', 'missing'] })).body.data), ['a/two', 'default/web', 'prod/web']);
    assert.equal(names((await post(yoga, NAMES, { names: [] })).body.data).length, 5);
  });

  it('filters by label selector, combined with the other filters', async () => {
    assert.deepEqual(names((await post(yoga, NAMES, { labelSelector: 'app=web' })).body.data), ['default/web', 'prod/web']);
    assert.deepEqual(names((await post(yoga, NAMES, { labelSelector: 'app in (web,api),env!=prod' })).body.data), [
      'default/api',
      'default/web',
    ]);
    assert.deepEqual(names((await post(yoga, NAMES, { labelSelector: '!legacy', namespace: 'a' })).body.data), []);
    assert.deepEqual(names((await post(yoga, NAMES, { labelSelector: 'app=web', names: ['web'], namespace: 'prod' })).body.data), ['prod/web']);
  });

  it('rejects a bad label selector as BAD_USER_INPUT, naming the problem', async () => {
    const response = await post(yoga, NAMES, { labelSelector: 'app in (web' });
    const error = onlyError(response, /^labelSelector "app in \(web": expected "," or "\)", found the end$/);
    assert.equal(error.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(response.body.data, null);
  });
});

describe('TrafficSplit.issues', { timeout: 30_000 }, () => {
  it('lists a backend another split of the namespace also lists (shared-backend), on both splits', async () => {
    const { yoga, store } = setup();
    store.upsert(split('default', 'web-shadow', 'web-shadow', [['web-v2', 1]]));
    const { body } = await post(yoga, `{ trafficSplits(namespace: "default") { name issues { code backend } } }`);
    const issues = Object.fromEntries(((body.data?.trafficSplits ?? []) as { name: string; issues: unknown[] }[]).map((entry) => [entry.name, entry.issues]));
    assert.deepEqual(issues, {
      api: [],
      web: [{ code: 'shared-backend', backend: 'web-v2' }],
      'web-shadow': [{ code: 'shared-backend', backend: 'web-v2' }],
    });
  });
});

describe('Query.trafficSplits numbers', { timeout: 30_000 }, () => {
  it('computes per-backend and split-level stats over the window', async () => {
    const { yoga } = setup();
    const response = await post(yoga, FULL);
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.equal(response.body.errors, undefined);
    const split = web(response.body.data);
    assert.deepEqual(
      { namespace: split.namespace, name: split.name, apiVersion: split.apiVersion, apex: split.apex, labels: split.labels, issues: split.issues },
      {
        namespace: 'default',
        name: 'web',
        apiVersion: 'split.smi-spec.io/v1alpha2',
        apex: 'web',
        labels: [
          { name: 'app', value: 'web' },
          { name: 'tier', value: 'frontend' },
        ],
        issues: [],
      },
    );
    const v1 = backend(split, 'web-v1');
    const v2 = backend(split, 'web-v2');
    assert.deepEqual([v1.weight, v1.weightValue, v1.weightRatio], ['90', 90, 0.9]);
    assert.deepEqual([v2.weight, v2.weightValue, v2.weightRatio], ['10', 10, 0.1]);
    // web-v1: 90 ok + 10 failed; cumulative latency ≤5: 40, ≤10: 80, ≤20: 100.
    assertStats(
      v1.stats,
      { window: '1m', windowSeconds: 60, successCount: 90, failureCount: 10, successRate: 0.9, rps: 100 / 60, latencyMsP50: 6.25, latencyMsP95: 17.5, latencyMsP99: 19.5 },
      'web-v1',
    );
    // web-v2: 9 ok + 1 failed, all between 50 and 100 ms.
    assertStats(
      v2.stats,
      { window: '1m', windowSeconds: 60, successCount: 9, failureCount: 1, successRate: 0.9, rps: 10 / 60, latencyMsP50: 75, latencyMsP95: 97.5, latencyMsP99: 99.5 },
      'web-v2',
    );
    // The apex also received 10 requests for web-legacy, which the split does not list: the
    // observed shares are of all 120, so they add up to less than 1.
    assertClose(v1.observedRatio, 100 / 120, 'web-v1 observedRatio');
    assertClose(v2.observedRatio, 10 / 120, 'web-v2 observedRatio');
    // Split level: 109 ok + 11 failed; cumulative ≤1: 10, ≤5: 50, ≤10: 90, ≤20: 110, ≤100: 120.
    assertStats(
      split.stats,
      { window: '1m', windowSeconds: 60, successCount: 109, failureCount: 11, successRate: 109 / 120, rps: 2, latencyMsP50: 6.25, latencyMsP95: 70, latencyMsP99: 94 },
      'split',
    );
  });

  it('echoes the window as given and covers only the intervals inside it', async () => {
    const { yoga } = setup();
    const split = web((await post(yoga, FULL, { window: '30s' })).body.data);
    // Only the 30–60 s interval: web-v1 from batch, nothing for web-v2.
    assertStats(
      backend(split, 'web-v1').stats,
      { window: '30s', windowSeconds: 30, successCount: 10, failureCount: 10, successRate: 0.5, rps: 20 / 30, latencyMsP50: 15, latencyMsP95: 19.5, latencyMsP99: 19.9 },
      'web-v1',
    );
    assert.equal(backend(split, 'web-v2').stats, null);
    assert.equal(backend(split, 'web-v2').observedRatio, null);
    assert.equal(split.stats?.window, '30s');
    assert.equal(split.stats?.successCount, 20);
  });

  it('counts only the selected clients with from', async () => {
    const { yoga } = setup();
    const fromFrontend = web((await post(yoga, FULL, { from: { namespace: 'default', kind: 'deployment', name: 'frontend' } })).body.data);
    assert.deepEqual([backend(fromFrontend, 'web-v1').stats?.successCount, backend(fromFrontend, 'web-v1').stats?.failureCount], [80, 0]);
    assertClose(backend(fromFrontend, 'web-v1').observedRatio, 80 / 100, 'observedRatio from frontend');
    assertClose(backend(fromFrontend, 'web-v1').stats?.latencyMsP50, 5, 'p50 from frontend');

    const fromJobs = web((await post(yoga, FULL, { from: { namespace: 'jobs' } })).body.data);
    assert.deepEqual([backend(fromJobs, 'web-v1').stats?.successCount, backend(fromJobs, 'web-v1').stats?.failureCount], [10, 10]);
    assert.equal(backend(fromJobs, 'web-v1').observedRatio, 1);
    assert.equal(backend(fromJobs, 'web-v2').stats, null);

    const fromNobody = web((await post(yoga, FULL, { from: { kind: 'statefulset' } })).body.data);
    assert.equal(fromNobody.stats, null);
    assert.ok(fromNobody.backends.every((b) => b.stats === null && b.observedRatio === null));
  });

  it('gives null stats, never zeros, without traffic', async () => {
    const { yoga } = setup();
    const { body } = await post(yoga, `{ trafficSplits(namespace: "default", names: ["api"]) {
      stats { rps } backends { service weight weightRatio observedRatio stats { rps successRate } } } }`);
    assert.equal(body.errors, undefined);
    assert.deepEqual(body.data, {
      trafficSplits: [
        {
          stats: null,
          backends: [
            { service: 'api-v1', weight: '500m', weightRatio: 0.5, observedRatio: null, stats: null },
            { service: 'api-v2', weight: '500m', weightRatio: 0.5, observedRatio: null, stats: null },
          ],
        },
      ],
    });
  });

  it('asks the stat source once per request for every split, and not at all without stat fields', async () => {
    const { yoga, source } = setup();
    await post(yoga, `{ trafficSplits { name stats { rps } backends { service observedRatio stats { rps } } } }`);
    assert.equal(source.queries.length, 1);
    assert.deepEqual(
      source.queries[0]?.splits.map((s) => s.key),
      ['a/two', 'a-b/one', 'default/api', 'default/web', 'prod/web'],
    );
    assert.equal(source.queries[0]?.window.ms, 60_000);

    // Numbers asked for only inside a fragment still count.
    await post(yoga, `{ trafficSplits { ...S } } fragment S on TrafficSplit { backends { ... on Backend { observedRatio } } }`);
    assert.equal(source.queries.length, 2);

    await post(yoga, `{ trafficSplits { name backends { service weight weightRatio } } }`);
    assert.equal(source.queries.length, 2, 'names and weights need no numbers');

    await post(yoga, `{ trafficSplits(namespace: "nowhere") { stats { rps } } }`);
    assert.equal(source.queries.length, 2, 'no splits, no question');
  });
});

describe('Query.trafficSplit', { timeout: 30_000 }, () => {
  const { yoga } = setup();

  it('returns one split with its numbers', async () => {
    const { body } = await post(yoga, `{ trafficSplit(namespace: "prod", name: "web", window: "45s") {
      namespace name backends { service observedRatio stats { window successCount rps } } } }`);
    assert.deepEqual(body, {
      data: {
        trafficSplit: {
          namespace: 'prod',
          name: 'web',
          backends: [{ service: 'web-stable', observedRatio: 1, stats: { window: '45s', successCount: 30, rps: 0.5 } }],
        },
      },
    });
  });

  it('returns null for a split that does not exist', async () => {
    const { body } = await post(yoga, `{ trafficSplit(namespace: "default", name: "missing") { name stats { rps } } }`);
    assert.deepEqual(body, { data: { trafficSplit: null } });
  });

  it('checks the window even for a split that does not exist', async () => {
    const response = await post(yoga, `{ trafficSplit(namespace: "default", name: "missing", window: "5s") { name } }`);
    assert.equal(onlyError(response, /needs to be at least 15s/).extensions?.code, 'BAD_USER_INPUT');
  });
});

describe('window argument', { timeout: 30_000 }, () => {
  const { yoga, source } = setup();
  const ask = (window: unknown) => post(yoga, `query($w: String) { trafficSplits(window: $w) { stats { rps } } }`, { w: window });

  it('rejects windows outside the server range, or not a duration, as BAD_USER_INPUT', async () => {
    const cases: [string, RegExp][] = [
      ['5s', /^window "5s": metrics time window needs to be at least 15s$/],
      ['0', /^window "0": metrics time window needs to be at least 15s$/],
      ['-1m', /^window "-1m": metrics time window needs to be at least 15s$/],
      ['2h', /^window "2h": metrics time window can be at most 1h: that is all the history this server keeps$/],
      ['2x', /^window "2x": time: unknown unit "x" in duration "2x" \(use Go duration syntax: 30s, 1m, 1m30s, 1h\)$/],
      ['1 m', /^window "1 m": time: unknown unit " m" in duration "1 m"/],
      ['', /^window "": time: invalid duration/],
    ];
    for (const [window, message] of cases) {
      const response = await ask(window);
      const error = onlyError(response, message);
      assert.equal(error.extensions?.code, 'BAD_USER_INPUT', window);
      assert.deepEqual(error.path, ['trafficSplits'], window);
    }
    assert.equal(source.queries.length, 0, 'a bad window never reaches the stat source');
  });

  it('accepts the bounds themselves and reads an explicit null as the default 1m', async () => {
    for (const window of ['15s', '1h', '1m30s']) assert.equal((await ask(window)).body.errors, undefined, window);
    const { body } = await post(yoga, `{ trafficSplits(names: ["web"], namespace: "default", window: null) { stats { window windowSeconds } } }`);
    assert.deepEqual(body, { data: { trafficSplits: [{ stats: { window: '1m', windowSeconds: 60 } }] } });
  });
});

describe('Query.serverInfo', { timeout: 30_000 }, () => {
  it('reports the server and its windows as durations', async () => {
    const { yoga } = setup();
    const { body } = await post(yoga, `{ serverInfo { version source mesh minWindow maxWindow scrapeInterval } }`);
    assert.deepEqual(body, {
      data: { serverInfo: { version: '1.2.3', source: 'scrape', mesh: 'linkerd', minWindow: '15s', maxWindow: '1h', scrapeInterval: '10s' } },
    });
  });
});
