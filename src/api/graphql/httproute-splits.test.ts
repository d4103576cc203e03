// HTTPRoute splits through GraphQL: the same type as TrafficSplits, told apart by `kind`, with
// numbers only from their route's edges (and that route's latency buckets).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeHttpRoute } from '../../splits/index.js';
import { createLinkerdAdapter } from '../../mesh/index.js';
import type { TrafficEdge } from '../../mesh/index.js';
import { TrafficWindow } from '../../window/index.js';
import { ScrapeStatSource } from '../../stats/index.js';
import { onlyError, post, setup } from '../../../test/helpers/graphql-context.js';

const client = { namespace: 'default', kind: 'deployment', name: 'frontend' };
const ROUTE = 'gateway.networking.k8s.io/web';

/** 60 s: 90 + 10 requests through the HTTPRoute `web`; 500 to the TrafficSplit `web`'s leaf directly. */
function window(): TrafficWindow {
  const adapter = createLinkerdAdapter();
  const traffic = new TrafficWindow({ latencyBucketsMs: adapter.latencyBucketsMs, routeLatencyBucketsMs: adapter.routeLatencyBucketsMs });
  const interval = traffic.openInterval();
  const v1: TrafficEdge = { apexNamespace: 'default', apex: 'web', leaf: 'web-v1', route: ROUTE };
  const v2: TrafficEdge = { ...v1, leaf: 'web-v2' };
  interval.addResponses(v1, client, 'success', 90);
  interval.addResponses(v2, client, 'success', 9);
  interval.addResponses(v2, client, 'failure', 1);
  // v1: all ≤ 25 ms; v2: all in (100, 250] ms — bounds only the route histogram has.
  for (const bound of traffic.boundsOf(v1)) {
    if (bound >= 25) interval.addLatency(v1, client, bound, 90);
    if (bound >= 250) interval.addLatency(v2, client, bound, 10);
  }
  interval.addResponses({ apexNamespace: 'default', apex: 'web', leaf: 'web-v1' }, client, 'success', 500);
  traffic.commit(interval, 0, 60_000);
  return traffic;
}

function routeSplit() {
  const result = normalizeHttpRoute({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { namespace: 'default', name: 'web' },
    spec: { parentRefs: [{ group: 'core', kind: 'Service', name: 'web' }], rules: [{ backendRefs: [{ name: 'web-v1', weight: 90 }, { name: 'web-v2', weight: 10 }] }] },
  });
  assert.ok(result.ok);
  return result.splits;
}

const QUERY = `query($kind: String, $names: [String!]) {
  trafficSplits(namespace: "default", names: $names, kind: $kind) {
    name kind apiVersion apex
    stats { successCount failureCount }
    backends { service weight weightRatio observedRatio stats { successCount failureCount latencyMsP50 } }
  }
}`;

interface Out {
  name: string;
  kind: string;
  apiVersion: string;
  stats: { successCount: number; failureCount: number } | null;
  backends: { service: string; observedRatio: number | null; stats: { successCount: number; failureCount: number; latencyMsP50: number } | null }[];
}

describe('GraphQL: HTTPRoute splits', { timeout: 30_000 }, () => {
  const { yoga, store } = setup({ graphiql: false, source: new ScrapeStatSource({ window: window() }) });
  for (const split of routeSplit()) store.upsert(split);

  it('lists both kinds, sorted by name, a TrafficSplit before an HTTPRoute of its name, and narrows to one with `kind`', async () => {
    const all = (await post(yoga, QUERY, { names: ['web'] })).body.data as { trafficSplits: Out[] };
    assert.deepEqual(all.trafficSplits.map((split) => [split.name, split.kind, split.apiVersion]), [
      ['web', 'TrafficSplit', 'split.smi-spec.io/v1alpha2'],
      ['web', 'HTTPRoute', 'gateway.networking.k8s.io/v1'],
    ]);
    const routes = (await post(yoga, QUERY, { kind: 'HTTPRoute' })).body.data as { trafficSplits: Out[] };
    assert.deepEqual(routes.trafficSplits.map((split) => split.kind), ['HTTPRoute']);
    const splits = (await post(yoga, QUERY, { kind: 'TrafficSplit' })).body.data as { trafficSplits: Out[] };
    assert.ok(splits.trafficSplits.length > 0 && splits.trafficSplits.every((split) => split.kind === 'TrafficSplit'));
  });

  it('gives an HTTPRoute split only its route’s traffic, with quantiles from the route buckets', async () => {
    const data = (await post(yoga, QUERY, { kind: 'HTTPRoute' })).body.data as { trafficSplits: Out[] };
    const [route] = data.trafficSplits;
    assert.deepEqual(route?.stats, { successCount: 99, failureCount: 1 });
    const [v1, v2] = route?.backends ?? [];
    assert.deepEqual(v1?.stats, { successCount: 90, failureCount: 0, latencyMsP50: 12.5 });
    // Rank 5 of 10 in (100, 250]: 100 + 150 × 5/10.
    assert.deepEqual(v2?.stats, { successCount: 9, failureCount: 1, latencyMsP50: 175 });
    assert.equal(v1?.observedRatio, 0.9);
  });

  it('trafficSplit(name) prefers the TrafficSplit; kind picks the route', async () => {
    const one = `query($kind: String) { trafficSplit(namespace: "default", name: "web", kind: $kind) { kind } }`;
    assert.deepEqual((await post(yoga, one)).body.data, { trafficSplit: { kind: 'TrafficSplit' } });
    assert.deepEqual((await post(yoga, one, { kind: 'HTTPRoute' })).body.data, { trafficSplit: { kind: 'HTTPRoute' } });
  });

  it('rejects an unknown kind as BAD_USER_INPUT', async () => {
    const error = onlyError(await post(yoga, QUERY, { kind: 'GRPCRoute' }), /^kind "GRPCRoute": must be one of "TrafficSplit", "HTTPRoute"$/);
    assert.equal(error.extensions?.code, 'BAD_USER_INPUT');
  });
});
