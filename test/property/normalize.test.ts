// Properties of split normalisation (src/splits/normalize.ts, normalize-httproute.ts): whatever
// object a manifest file, a YAML author or the Kubernetes API hands over, normalising it returns
// (never throws), and a normalised split's numbers are usable as they are: every configured share
// is null or in [0, 1], the shares of a split add up to 1 when any weight is positive, and no
// NaN or Infinity gets into the split for a dashboard or `stat ts` to print.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { normalizeHttpRoute, normalizeTrafficSplit } from '../../src/splits/index.js';
import type { Quantity, TrafficSplit } from '../../src/splits/index.js';

// fast-check reports the failed assertion's message next to the counterexample.
fc.configureGlobal({ includeErrorInReport: true });

// --- generators -----------------------------------------------------------------------------

/** Anything a YAML or JSON decoder, or a careless program, may put where a value belongs. */
const anything = fc.anything({
  maxDepth: 2,
  withBigInt: true,
  withDate: true,
  withBoxedValues: true,
  withNullPrototype: true,
  withSparseArray: true,
  withTypedArray: true,
  withMap: true,
  withSet: true,
});

/** The usual case four times in five, so that most generated objects get as far as their shares. */
function mostly<T, U>(usual: fc.Arbitrary<T>, unusual: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ weight: 4, arbitrary: usual }, { weight: 1, arbitrary: unusual });
}

/** A few names, so that backends repeat, name the apex, or are missing. */
const serviceName = fc.oneof({ weight: 5, arbitrary: fc.constantFrom('v1', 'v2', 'v3', 'web', '') }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });

/** Weights as every SMI version, YAML author and storage conversion writes them, and worse. */
const weight = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 1000 }) },
  { weight: 2, arbitrary: fc.constantFrom('900m', '100m', '0', '1', '500m', '1k', '1Ki', '8Ei', '9Ei', '0.1n', '1e-20', '1e308', '1.7e308', '1e309', '-5', ' 7 ', '\u00857', '1.5', '.5', '1.', '+1', '007', 'x', '', '9223372036854775808', '1e2000', '1e-2000') },
  { weight: 2, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }) },
  { weight: 1, arbitrary: fc.stringMatching(/^[+-]?[0-9]{0,4}(\.[0-9]{0,12})?(n|u|m|k|M|G|E|Ki|Ei|e-?[0-9]{1,3})?$/) },
  { weight: 1, arbitrary: fc.constantFrom(null, undefined, true, false) },
  { weight: 1, arbitrary: anything },
);

const backend = fc.oneof(
  { weight: 8, arbitrary: fc.record({ service: serviceName, weight }, { requiredKeys: ['service'] }) },
  { weight: 1, arbitrary: anything },
);

const trafficSplitObject = fc.record(
  {
    apiVersion: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('split.smi-spec.io/v1alpha1', 'split.smi-spec.io/v1alpha2', 'split.smi-spec.io/v1alpha3', 'split.smi-spec.io/v1alpha4', 'split.smi-spec.io/v1beta9') },
      { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 8 }), anything) },
    ),
    kind: fc.oneof({ weight: 8, arbitrary: fc.constant('TrafficSplit') }, { weight: 1, arbitrary: anything }),
    metadata: fc.oneof(
      { weight: 8, arbitrary: fc.record({ name: fc.oneof(fc.constant('split'), fc.string({ maxLength: 6 })), namespace: fc.oneof(fc.constant('default'), fc.string({ maxLength: 6 }), anything), labels: fc.oneof(fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.string(), anything)), anything) }, { requiredKeys: ['name'] }) },
      { weight: 1, arbitrary: anything },
    ),
    spec: fc.oneof(
      { weight: 8, arbitrary: fc.record({ service: fc.oneof(serviceName, anything), backends: fc.oneof({ weight: 8, arbitrary: fc.array(backend, { maxLength: 6 }) }, { weight: 1, arbitrary: anything }), matches: fc.oneof(fc.array(fc.record({ kind: fc.string(), name: fc.string() }, { requiredKeys: [] })), anything) }, { requiredKeys: [] }) },
      { weight: 1, arbitrary: anything },
    ),
  },
  { requiredKeys: ['kind'] },
);

const routeWeight = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 1_000_000 }) },
  { weight: 1, arbitrary: fc.constantFrom(1_000_001, -1, 1.5, '1', '2', '1e6', 'x', '', '1k', null, undefined, Number.NaN, Infinity) },
  { weight: 1, arbitrary: weight },
);

const backendRef = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        name: serviceName,
        namespace: mostly(fc.constantFrom(undefined, 'default'), fc.constantFrom('', 'other')),
        kind: mostly(fc.constantFrom(undefined, 'Service'), fc.constant('ServiceImport')),
        group: mostly(fc.constantFrom(undefined, '', 'core'), fc.constant('multicluster.x-k8s.io')),
        port: fc.constantFrom(undefined, 8080),
        weight: routeWeight,
      },
      { requiredKeys: ['name'] },
    ),
  },
  { weight: 1, arbitrary: anything },
);

const httpRouteObject = fc.record(
  {
    apiVersion: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('gateway.networking.k8s.io/v1', 'gateway.networking.k8s.io/v1beta1', 'policy.linkerd.io/v1beta3', 'policy.linkerd.io/v1alpha1') },
      { weight: 1, arbitrary: fc.oneof(fc.string({ maxLength: 8 }), anything) },
    ),
    kind: fc.oneof({ weight: 8, arbitrary: fc.constant('HTTPRoute') }, { weight: 1, arbitrary: anything }),
    metadata: fc.oneof(
      { weight: 8, arbitrary: fc.record({ name: fc.oneof(fc.constant('route'), fc.string({ maxLength: 6 })), namespace: fc.constantFrom(undefined, 'default', 'other'), labels: fc.dictionary(fc.string({ maxLength: 4 }), fc.string()) }, { requiredKeys: ['name'] }) },
      { weight: 1, arbitrary: anything },
    ),
    spec: fc.oneof(
      {
        weight: 8,
        arbitrary: fc.record(
          {
            parentRefs: fc.array(
              fc.oneof(
                {
                  weight: 8,
                  arbitrary: fc.record(
                    {
                      name: serviceName,
                      kind: mostly(fc.constant('Service'), fc.constantFrom(undefined, 'Gateway')),
                      group: mostly(fc.constantFrom('', 'core'), fc.constantFrom(undefined, 'gateway.networking.k8s.io')),
                      namespace: mostly(fc.constantFrom(undefined, 'default'), fc.constantFrom('', 'other')),
                    },
                    { requiredKeys: ['name'] },
                  ),
                },
                { weight: 1, arbitrary: anything },
              ),
              { maxLength: 3 },
            ),
            rules: fc.oneof(
              { weight: 8, arbitrary: fc.array(fc.oneof({ weight: 8, arbitrary: fc.record({ backendRefs: fc.array(backendRef, { maxLength: 4 }) }) }, { weight: 1, arbitrary: anything }), { maxLength: 3 }) },
              { weight: 1, arbitrary: anything },
            ),
          },
          { requiredKeys: [] },
        ),
      },
      { weight: 1, arbitrary: anything },
    ),
  },
  { requiredKeys: ['kind'] },
);

/** Routes as the Gateway API CRD writes them, attached to one Service, so each is a split to check. */
const wellFormedRoute = fc
  .array(fc.array(fc.record({ name: fc.constantFrom('v1', 'v2', 'v3'), weight: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: fc.constantFrom(-1, 1_000_001, 'x', 1.5, undefined) }) }, { requiredKeys: ['name'] }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 })
  .map((rules) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'route', namespace: 'default' },
    spec: { parentRefs: [{ kind: 'Service', group: '', name: 'web' }], rules: rules.map((backendRefs) => ({ backendRefs })) },
  }));

// --- checks -------------------------------------------------------------------------------------

/** Every number anywhere in the split (issues, labels, backends, quantities' exponents) is finite. */
function assertAllFinite(value: unknown, path: string, seen = new Set<unknown>()): void {
  if (typeof value === 'number') {
    assert.ok(Number.isFinite(value), `${path} is ${value}`);
    return;
  }
  if (typeof value !== 'object' || value === null || seen.has(value)) return;
  seen.add(value);
  for (const [key, child] of Object.entries(value)) assertAllFinite(child, `${path}.${key}`, seen);
}

/** Shares are null or within [0, 1]; when any is positive, those given add up to 1. */
function assertShares(split: TrafficSplit): void {
  for (const backend of split.backends) {
    const { weightRatio } = backend;
    if (weightRatio !== null) assert.ok(weightRatio >= 0 && weightRatio <= 1, `${backend.service}: weightRatio ${weightRatio}`);
  }
  const shares = split.backends.flatMap((backend) => (backend.weightRatio === null ? [] : [backend.weightRatio]));
  if (shares.some((share) => share > 0)) {
    const sum = shares.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - 1) <= 1e-12, `shares ${JSON.stringify(split.backends.map((b) => [b.service, b.weightString, b.weightRatio]))} add up to ${sum}`);
  }
  assert.equal(new Set(split.backends.map((backend) => backend.service)).size, split.backends.length, 'one entry per backend service');
}

/** The exact share of each counted weight, as the nearest double, from the split's own quantities. */
function exactShares(weights: readonly (Quantity | null)[]): (number | null)[] {
  const counted = weights.map((w) => (w !== null && w.mantissa >= 0n ? w : null));
  const present = counted.filter((w): w is Quantity => w !== null);
  if (present.length === 0) return counted.map(() => null);
  const low = Math.min(...present.map((w) => w.exponent));
  const scaled = (w: Quantity): bigint => w.mantissa * 10n ** BigInt(w.exponent - low);
  const total = present.reduce((sum, w) => sum + scaled(w), 0n);
  if (total === 0n) return counted.map(() => null);
  // 30 significant digits of the quotient are far more than a double holds.
  return counted.map((w) => (w === null ? null : Number((scaled(w) * 10n ** 30n) / total) / 1e30));
}

// --- properties -------------------------------------------------------------------------------

describe('normalizeTrafficSplit on arbitrary objects', () => {
  it('never throws; shares are null or in [0, 1] and add up to 1; no NaN or Infinity anywhere', () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 9, arbitrary: trafficSplitObject }, { weight: 1, arbitrary: anything }), (object) => {
        const result = normalizeTrafficSplit(object);
        if (!result.ok) {
          assert.equal(typeof result.error, 'string');
          return;
        }
        const { split } = result;
        assertAllFinite(split, 'split');
        assertShares(split);
        for (const backend of split.backends) {
          assert.equal(backend.weight === null, backend.weightValue === null, `${backend.service}: weight and weightValue are given together`);
          assert.equal(typeof backend.weightString, 'string');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives every backend with a non-negative weight its exact share of the total', () => {
    fc.assert(
      fc.property(trafficSplitObject, (object) => {
        const result = normalizeTrafficSplit(object);
        if (!result.ok) return;
        const expected = exactShares(result.split.backends.map((backend) => backend.weight));
        result.split.backends.forEach((backend, i) => {
          const share = expected[i] ?? null;
          if (share === null) assert.equal(backend.weightRatio, null, `${backend.service} (${backend.weightString}) has no share`);
          else assert.ok(backend.weightRatio !== null && Math.abs(backend.weightRatio - share) <= 2 ** -52, `${backend.service} (${backend.weightString}): ${backend.weightRatio} ≠ ${share}`);
        });
      }),
      { numRuns: 300 },
    );
  });
});

describe('normalizeHttpRoute on arbitrary objects', () => {
  it('never throws; shares are null or in [0, 1] and add up to 1; no NaN or Infinity anywhere', () => {
    fc.assert(
      fc.property(fc.oneof({ weight: 9, arbitrary: httpRouteObject }, { weight: 1, arbitrary: anything }), (object) => {
        const result = normalizeHttpRoute(object);
        if (!result.ok) {
          assert.equal(typeof result.error, 'string');
          return;
        }
        for (const split of result.splits) {
          assertAllFinite(split, 'split');
          assertShares(split);
          assert.equal(split.kind, 'HTTPRoute');
        }
        assert.equal(new Set(result.splits.map((split) => split.key)).size, result.splits.length, 'split keys are unique');
      }),
      { numRuns: 300 },
    );
  });

  it('gives the backends of a well-formed route shares that add up to 1, whichever weights are bad', () => {
    fc.assert(
      fc.property(wellFormedRoute, (object) => {
        const result = normalizeHttpRoute(object);
        assert.ok(result.ok);
        for (const split of result.splits) assertShares(split);
      }),
      { numRuns: 300 },
    );
  });
});
