import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseManifestText } from './manifests.js';
import { normalizeHttpRoute } from './normalize-httproute.js';
import { selectSplits } from './select.js';
import { SplitStore } from './store.js';

function route(spec: unknown, apiVersion = 'gateway.networking.k8s.io/v1', metadata: Record<string, unknown> = { name: 'web-route', namespace: 'shop' }): unknown {
  return { apiVersion, kind: 'HTTPRoute', metadata, spec };
}

const servicePeer = { group: 'core', kind: 'Service', name: 'web', port: 80 };

function splitsOf(object: unknown) {
  const result = normalizeHttpRoute(object);
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.splits;
}

describe('normalizeHttpRoute', () => {
  it('reads a weighted route attached to a Service as one split: apex = parent, backends with weights and shares', () => {
    const [split, ...rest] = splitsOf(
      route({ parentRefs: [servicePeer], rules: [{ backendRefs: [{ name: 'web-v1', port: 80, weight: 90 }, { name: 'web-v2', port: 80, weight: 10 }] }] }),
    );
    assert.equal(rest.length, 0);
    assert.equal(split?.kind, 'HTTPRoute');
    assert.equal(split?.key, 'shop/web-route:HTTPRoute.gateway.networking.k8s.io');
    assert.deepEqual(split?.route, { group: 'gateway.networking.k8s.io', name: 'web-route' });
    assert.equal(split?.apex, 'web');
    assert.deepEqual(
      split?.backends.map((b) => [b.service, b.weightString, b.weightValue, b.weightRatio]),
      [
        ['web-v1', '90', 90, 0.9],
        ['web-v2', '10', 10, 0.1],
      ],
    );
    assert.deepEqual(split?.issues, []);
  });

  it('applies the Gateway API defaults: no weight is 1, weight 0 gets no share, group "" is core', () => {
    const [split] = splitsOf(route({ parentRefs: [{ group: '', kind: 'Service', name: 'web' }], rules: [{ backendRefs: [{ name: 'a' }, { name: 'b' }, { name: 'c', weight: 0 }] }] }));
    assert.deepEqual(split?.backends.map((b) => [b.weightString, b.weightRatio]), [['1', 0.5], ['1', 0.5], ['0', 0]]);
  });

  it('makes one split per Service parent, named <route>@<service>; ports of one Service are one parent', () => {
    const splits = splitsOf(
      route({
        parentRefs: [servicePeer, { ...servicePeer, port: 8080 }, { group: 'core', kind: 'Service', name: 'api' }],
        rules: [{ backendRefs: [{ name: 'v1', weight: 1 }, { name: 'v2', weight: 3 }] }],
      }),
    );
    assert.deepEqual(splits.map((s) => [s.name, s.apex, s.route?.name]), [['web-route@web', 'web', 'web-route'], ['web-route@api', 'api', 'web-route']]);
  });

  it('answers for the route’s own name when asked by name', () => {
    const store = new SplitStore();
    for (const split of splitsOf(route({ parentRefs: [servicePeer, { group: 'core', kind: 'Service', name: 'api' }], rules: [{ backendRefs: [{ name: 'v1' }, { name: 'v2' }] }] }))) store.upsert(split);
    assert.deepEqual(selectSplits(store, { names: ['web-route'] }).map((split) => split.name), ['web-route@api', 'web-route@web']);
    assert.deepEqual(selectSplits(store, { names: ['web-route@web'] }).map((split) => split.name), ['web-route@web']);
  });

  it('makes no split of routes that are not mesh splits: Gateway parents, one unweighted backend', () => {
    assert.deepEqual(splitsOf(route({ parentRefs: [{ name: 'gateway' }], rules: [{ backendRefs: [{ name: 'a' }, { name: 'b' }] }] })), []);
    assert.deepEqual(splitsOf(route({ parentRefs: [servicePeer], rules: [{ backendRefs: [{ name: 'web' }] }] })), []);
    // As the cluster hands it back: the CRD defaulted the weight to 1.
    assert.deepEqual(splitsOf(route({ parentRefs: [servicePeer], rules: [{ backendRefs: [{ name: 'web', weight: 1 }] }] })), []);
    // One backend with an explicit weight is a split (a rollout at 100/0 that lists one side).
    assert.equal(splitsOf(route({ parentRefs: [servicePeer], rules: [{ backendRefs: [{ name: 'web-v1', weight: 100 }] }] })).length, 1);
  });

  it('averages shares over several weighted rules and says so', () => {
    const [split] = splitsOf(
      route({
        parentRefs: [servicePeer],
        rules: [
          { matches: [{ headers: [{ name: 'x-canary', value: '1' }] }], backendRefs: [{ name: 'v2' }] },
          { backendRefs: [{ name: 'v1', weight: 90 }, { name: 'v2', weight: 10 }] },
        ],
      }),
    );
    assert.deepEqual(split?.backends.map((b) => [b.service, b.weightString, b.weightRatio]), [['v2', '1+10', (1 + 0.1) / 2], ['v1', '90', 0.45]]);
    assert.deepEqual(split?.issues.map((i) => i.code), ['several-rules']);
  });

  it('reports what it cannot measure and keeps the rest: other kinds, other namespaces, bad weights', () => {
    const [split] = splitsOf(
      route({
        parentRefs: [servicePeer, { group: 'core', kind: 'Service', name: 'far', namespace: 'other' }],
        rules: [
          {
            backendRefs: [
              { name: 'v1', weight: 3 },
              { name: 'bucket', group: 'example.com', kind: 'Bucket', weight: 1 },
              { name: 'remote', namespace: 'other', weight: 1 },
              { name: 'bad', weight: 'lots' },
              { name: 'neg', weight: -1 },
              { name: 'v2', weight: 1 },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(split?.backends.map((b) => [b.service, b.weightRatio]), [['v1', 0.75], ['bad', null], ['neg', null], ['v2', 0.25]]);
    assert.deepEqual(split?.issues.map((i) => i.code), ['cross-namespace-parent', 'unsupported-backend', 'unsupported-backend', 'invalid-weight', 'negative-weight']);
  });

  it('leaves a backend with a bad weight in any entry out of every rule\'s total, so the shares add up to 1', () => {
    const [oneRule] = splitsOf(route({ parentRefs: [servicePeer], rules: [{ backendRefs: [{ name: 'v1', weight: 1 }, { name: 'v2', weight: 1 }, { name: 'v2', weight: -1 }] }] }));
    assert.deepEqual(oneRule?.backends.map((b) => [b.service, b.weightRatio]), [['v1', 1], ['v2', null]]);
    const [twoRules] = splitsOf(route({ parentRefs: [servicePeer], rules: [{ backendRefs: [{ name: 'v1', weight: -1 }] }, { backendRefs: [{ name: 'v1', weight: 1 }, { name: 'v2', weight: 1 }] }] }));
    assert.deepEqual(twoRules?.backends.map((b) => [b.service, b.weightRatio]), [['v1', null], ['v2', 1]]);
  });

  it('refuses a route whose Service parents are all in other namespaces, and objects that are not HTTPRoutes', () => {
    const consumer = normalizeHttpRoute(route({ parentRefs: [{ group: 'core', kind: 'Service', name: 'web', namespace: 'other' }], rules: [{ backendRefs: [{ name: 'a' }, { name: 'b' }] }] }));
    assert.equal(consumer.ok, false);
    assert.equal(normalizeHttpRoute(route({}, 'example.com/v1')).ok, false);
    assert.equal(normalizeHttpRoute({ kind: 'HTTPRoute', apiVersion: 'gateway.networking.k8s.io/v1', metadata: {} }).ok, false);
    assert.equal(normalizeHttpRoute('route').ok, false);
  });

  it('reads Linkerd policy.linkerd.io HTTPRoutes the same way, keyed apart from a Gateway API route of the same name', () => {
    const spec = { parentRefs: [servicePeer], rules: [{ backendRefs: [{ name: 'v1', weight: 1 }, { name: 'v2', weight: 1 }] }] };
    const [linkerd] = splitsOf(route(spec, 'policy.linkerd.io/v1beta3'));
    const [gateway] = splitsOf(route(spec));
    assert.equal(linkerd?.route?.group, 'policy.linkerd.io');
    assert.notEqual(linkerd?.key, gateway?.key);
  });
});

describe('parseManifestText with HTTPRoutes', () => {
  it('reads TrafficSplits and HTTPRoutes of one file side by side, and leaves other routes alone', () => {
    const text = `
apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata: {name: web}
spec: {service: web, backends: [{service: web-v1, weight: 1}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web}
spec:
  parentRefs: [{group: core, kind: Service, name: web}]
  rules: [{backendRefs: [{name: web-v1, weight: 90}, {name: web-v2, weight: 10}]}]
---
apiVersion: example.com/v1
kind: HTTPRoute
metadata: {name: elsewhere}
`;
    const result = parseManifestText(text, 'splits.yaml');
    assert.deepEqual(result.problems, []);
    assert.deepEqual(result.splits.map((s) => [s.kind, s.namespace, s.name, s.apex]), [['TrafficSplit', 'default', 'web', 'web'], ['HTTPRoute', 'default', 'web', 'web']]);
  });
});
