// The GraphQL side of `stat ts` as pure functions: variables from a request, answer validation,
// answer → StatRows (with --to), and named splits that do not exist.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatArgs } from './args.js';
import type { StatFlags, StatRequest } from './args.js';
import { checkNamedSplitsFound, parseTrafficSplitsData, statRowsFromAnswer, trafficSplitsVariables } from './query.js';
import type { TrafficSplitAnswer } from './query.js';

function request(resources: string[], flags: StatFlags = {}): StatRequest {
  const result = parseStatArgs(resources, flags, { env: {}, defaultNamespace: 'default' });
  if (!result.ok) assert.fail(result.error);
  return result.request;
}

const stats = { windowSeconds: 60, successCount: 123, failureCount: 0, successRate: 1, rps: 2.05, latencyMsP50: 123, latencyMsP95: 123, latencyMsP99: 123 };

const fooSplit: TrafficSplitAnswer = {
  namespace: 'default',
  name: 'foo-split',
  apex: 'apex_name',
  backends: [
    { service: 'service-1', weight: '900m', weightValue: 0.9, weightRatio: 0.9, observedRatio: 0.5, stats },
    { service: 'service-2', weight: '100m', weightValue: 0.1, weightRatio: 0.1, observedRatio: 0.5, stats },
  ],
};

describe('trafficSplitsVariables', () => {
  it('sends only what was asked: namespace, window', () => {
    assert.deepEqual(trafficSplitsVariables(request(['ts'])), { namespace: 'default', kind: 'TrafficSplit', window: '1m' });
  });

  it('-A sends no namespace; -t is sent as typed', () => {
    assert.deepEqual(trafficSplitsVariables(request(['ts'], { allNamespaces: true, timeWindow: '90s' })), { kind: 'TrafficSplit', window: '90s' });
  });

  it('names, the selector and --from', () => {
    assert.deepEqual(trafficSplitsVariables(request(['ts', 'a', 'b'], { namespace: 'prod' })), { namespace: 'prod', names: ['a', 'b'], kind: 'TrafficSplit', window: '1m' });
    assert.deepEqual(trafficSplitsVariables(request(['ts'], { selector: 'app=web' })), { namespace: 'default', labelSelector: 'app=web', kind: 'TrafficSplit', window: '1m' });
    assert.deepEqual(trafficSplitsVariables(request(['ts'], { from: 'deploy/web', fromNamespace: 'clients' })), {
      namespace: 'default',
      kind: 'TrafficSplit',
      window: '1m',
      from: { namespace: 'clients', kind: 'deployment', name: 'web' },
    });
  });

  it('`stat httproute` asks for HTTPRoute splits only', () => {
    assert.deepEqual(trafficSplitsVariables(request(['httproute/web'])), { namespace: 'default', names: ['web'], kind: 'HTTPRoute', window: '1m' });
  });

  it('a named lookup ignores the selector, as Linkerd’s did', () => {
    assert.deepEqual(trafficSplitsVariables(request(['ts/web'], { selector: 'app=web' })), { namespace: 'default', names: ['web'], kind: 'TrafficSplit', window: '1m' });
  });
});

describe('parseTrafficSplitsData', () => {
  it('accepts the query’s shape', () => {
    assert.deepEqual(parseTrafficSplitsData({ trafficSplits: [fooSplit] }, 'splitstat at x'), [fooSplit]);
  });

  it('names the first thing that does not fit', () => {
    const broken = { trafficSplits: [{ ...fooSplit, backends: [{ ...fooSplit.backends[0], weight: 0.9 }] }] };
    assert.throws(() => parseTrafficSplitsData(broken, 'splitstat at x'), {
      name: 'StatAnswerError',
      message: /^splitstat at x answered an unexpected shape: data\.trafficSplits\[0\]\.backends\[0\]\.weight: /,
    });
    assert.throws(() => parseTrafficSplitsData({}, 'splitstat at x'), /data\.trafficSplits: /);
  });
});

describe('statRowsFromAnswer', () => {
  it('one row per backend with the server’s numbers', () => {
    const rows = statRowsFromAnswer([fooSplit], null);
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0], {
      namespace: 'default',
      name: 'foo-split',
      apex: 'apex_name',
      leaf: 'service-1',
      weight: '900m',
      weightValue: 0.9,
      weightRatio: 0.9,
      observedRatio: 0.5,
      stats: { successCount: 123, failureCount: 0, successRate: 1, rps: 2.05, latencyMsP50: 123, latencyMsP95: 123, latencyMsP99: 123, windowSeconds: 60 },
    });
  });

  it('no requests means no numbers, even when a server sends zeros', () => {
    const zero = { ...stats, successCount: 0, failureCount: 0, successRate: 0, rps: 0 };
    const split = { ...fooSplit, backends: [{ ...fooSplit.backends[0]!, stats: zero }, { ...fooSplit.backends[1]!, stats: null }] };
    for (const row of statRowsFromAnswer([split], null)) {
      assert.equal(row.stats, null);
      assert.equal(row.observedRatio, null);
    }
  });

  it('--to svc/NAME keeps numbers only for that leaf; --to ns/X only in namespace X', () => {
    const rows = statRowsFromAnswer([fooSplit], { namespace: 'default', service: 'service-2' });
    assert.deepEqual(rows.map((row) => [row.leaf, row.stats === null, row.observedRatio]), [['service-1', true, null], ['service-2', false, 0.5]]);
    assert.ok(statRowsFromAnswer([fooSplit], { namespace: 'prod', service: null }).every((row) => row.stats === null));
    assert.ok(statRowsFromAnswer([fooSplit], { namespace: 'default', service: null }).every((row) => row.stats !== null));
  });
});

describe('checkNamedSplitsFound', () => {
  it('passes when every name came back, or none was asked', () => {
    checkNamedSplitsFound([fooSplit], request(['ts/foo-split']));
    checkNamedSplitsFound([], request(['ts']));
  });

  it('names the missing splits and the namespace', () => {
    assert.throws(() => checkNamedSplitsFound([fooSplit], request(['ts', 'foo-split', 'web', 'api'])), {
      name: 'StatAnswerError',
      message: 'trafficsplit.split.smi-spec.io "web", "api" not found in namespace "default"',
    });
    assert.throws(() => checkNamedSplitsFound([fooSplit], request(['ts/foo-split'], { namespace: 'prod' })), {
      message: 'trafficsplit.split.smi-spec.io "foo-split" not found in namespace "prod"',
    });
  });
});
