import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { normalizeTrafficSplit } from './normalize.js';
import type { NormalizeResult } from './normalize.js';
import type { SplitIssueCode, TrafficSplit } from './model.js';

const FIXTURES = new URL('../../test/fixtures/splits/', import.meta.url);

function fixtureObjects(name: string): unknown[] {
  const text = readFileSync(new URL(name, FIXTURES), 'utf8');
  return parseAllDocuments(text, { version: '1.1' }).map((document) => document.toJS() as unknown);
}

/** The fixture's splits by name (the first with each name; the spec reuses foobar-rollout). */
function fixtureSplits(name: string): TrafficSplit[] {
  return fixtureObjects(name).flatMap((object) => {
    const result = normalizeTrafficSplit(object);
    return result.ok ? [result.split] : [];
  });
}

function splitOf(result: NormalizeResult): TrafficSplit {
  assert.ok(result.ok, result.ok ? '' : result.error);
  return result.split;
}

/** backend → [weightString, weightValue, weightRatio] */
function weights(split: TrafficSplit): Record<string, [string, number | null, number | null]> {
  return Object.fromEntries(split.backends.map((b) => [b.service, [b.weightString, b.weightValue, b.weightRatio]]));
}

function codes(split: TrafficSplit): SplitIssueCode[] {
  return split.issues.map((issue) => issue.code);
}

function trafficSplit(apiVersion: string, spec: unknown, metadata: unknown = { name: 'web-split' }): unknown {
  return { apiVersion, kind: 'TrafficSplit', metadata, spec };
}

describe('normalizeTrafficSplit: the SMI spec examples', () => {
  const splits = fixtureSplits('trafficsplit-examples-from-spec.yaml');

  it('reads v1alpha1 Quantity weights', () => {
    const mine = splits.find((s) => s.name === 'my-weights');
    assert.ok(mine);
    assert.equal(mine.apiVersion, 'split.smi-spec.io/v1alpha1');
    assert.equal(mine.key, 'default/my-weights');
    assert.equal(mine.apex, 'numbers');
    assert.deepEqual(weights(mine), {
      one: ['10m', 0.01, 10 / 1610],
      two: ['100m', 0.1, 100 / 1610],
      three: ['1500m', 1.5, 1500 / 1610],
    });
    assert.deepEqual(mine.issues, []);
    assert.deepEqual(mine.matches, []);

    const rollout = splits.find((s) => s.name === 'foobar-rollout' && s.apiVersion.endsWith('v1alpha1'));
    assert.ok(rollout);
    // "1" and "500m": about 33 % to v2, as the spec says.
    assert.deepEqual(weights(rollout), { 'foobar-v1': ['1', 1, 2 / 3], 'foobar-v2': ['500m', 0.5, 1 / 3] });
  });

  it('reads v1alpha2 integer weights, zero included', () => {
    const even = splits.find((s) => s.name === 'my-trafficsplit');
    assert.ok(even);
    assert.deepEqual(weights(even), { 'my-website-v1': ['50', 50, 0.5], 'my-website-v2': ['50', 50, 0.5] });
    const rollout = splits.find((s) => s.name === 'foobar-rollout' && s.apiVersion.endsWith('v1alpha2'));
    assert.ok(rollout);
    assert.deepEqual(weights(rollout), { 'foobar-v1': ['100', 100, 1], 'foobar-v2': ['0', 0, 0] });
    assert.deepEqual(rollout.issues, []);
  });

  it('reads v1alpha4 splits and their matches', () => {
    const canary = splits.find((s) => s.name === 'canary');
    assert.ok(canary);
    assert.deepEqual(weights(canary), { 'website-v1': ['90', 90, 0.9], 'website-v2': ['10', 10, 0.1] });
    const abTest = splits.find((s) => s.name === 'ab-test');
    assert.ok(abTest);
    assert.deepEqual(abTest.matches, [{ kind: 'HTTPRouteGroup', name: 'ab-test' }]);
    assert.deepEqual(weights(abTest), { 'website-v1': ['0', 0, 0], 'website-v2': ['100', 100, 1] });
  });

  it('refuses the HTTPRouteGroup in the same file', () => {
    const routeGroup = fixtureObjects('trafficsplit-examples-from-spec.yaml').find(
      (o) => typeof o === 'object' && o !== null && (o as { kind?: unknown }).kind === 'HTTPRouteGroup',
    );
    const result = normalizeTrafficSplit(routeGroup);
    assert.equal(result.ok, false);
    assert.match(result.ok ? '' : result.error, /kind "HTTPRouteGroup" is not TrafficSplit/);
  });

  it("reads linkerd-smi's e2e split, whose apex is also a backend", () => {
    const split = splits.find((s) => s.name === 'backend-traffic-split');
    assert.ok(split);
    assert.deepEqual(weights(split), { 'backend-svc': ['500m', 0.5, 1], 'failing-svc': ['0', 0, 0] });
    assert.deepEqual(codes(split), ['backend-is-apex']);
    assert.equal(split.issues[0]?.backend, 'backend-svc');
  });
});

describe("normalizeTrafficSplit: Linkerd's integration-test splits", () => {
  // stat ts printed backend-svc 500m / failing-svc 0 (v1alpha1) and 500 / 0 (v1alpha2).
  const cases: [string, string, string][] = [
    ['linkerd-integration_v1alpha1_traffic-split-leaf-weights.yaml', '500m', '0'],
    ['linkerd-integration_v1alpha1_updated-traffic-split-leaf-weights.yaml', '500m', '500m'],
    ['linkerd-integration_v1alpha2_traffic-split-leaf-weights.yaml', '500', '0'],
    ['linkerd-integration_v1alpha2_updated-traffic-split-leaf-weights.yaml', '500', '500'],
  ];
  for (const [file, backendWeight, failingWeight] of cases) {
    it(file, () => {
      const [split] = fixtureSplits(file);
      assert.ok(split);
      assert.equal(split.key, 'default/backend-traffic-split');
      assert.deepEqual(
        split.backends.map((b) => [b.service, b.weightString]),
        [
          ['backend-svc', backendWeight],
          ['failing-svc', failingWeight],
        ],
      );
      const ratios = split.backends.map((b) => b.weightRatio);
      assert.deepEqual(ratios, failingWeight.startsWith('0') ? [1, 0] : [0.5, 0.5]);
    });
  }
});

describe('normalizeTrafficSplit: v1alpha3', () => {
  it('reads matches, labels, namespace and Quantity-string and float weights', () => {
    const [split] = fixtureSplits('v1alpha3-matches.yaml');
    assert.ok(split);
    assert.equal(split.key, 'shop/ab-test');
    assert.deepEqual(split.labels, { app: 'website', tier: '2' });
    assert.deepEqual(split.matches, [{ kind: 'HTTPRouteGroup', name: 'firefox-users' }]);
    assert.deepEqual(weights(split), { 'website-v1': ['750m', 0.75, 0.75], 'website-v2': ['250m', 0.25, 0.25] });
    assert.deepEqual(split.issues, []);
  });
});

describe('normalizeTrafficSplit: weights of every shape under every version', () => {
  const shapes: [unknown, string, number][] = [
    [500, '500', 500],
    [0.5, '500m', 0.5],
    ['500m', '500m', 0.5],
    ['1.5', '1500m', 1.5],
    ['1Ki', '1Ki', 1024],
    ['2e3', '2e3', 2000],
    [' 900m\n', '900m', 0.9],
  ];
  for (const version of ['v1alpha1', 'v1alpha2', 'v1alpha3', 'v1alpha4']) {
    it(version, () => {
      for (const [raw, text, value] of shapes) {
        const split = splitOf(
          normalizeTrafficSplit(
            trafficSplit(`split.smi-spec.io/${version}`, {
              service: 'web',
              backends: [
                { service: 'web-v1', weight: raw },
                { service: 'web-v2', weight: raw },
              ],
            }),
          ),
        );
        assert.deepEqual(weights(split)['web-v1'], [text, value, 0.5], `${version} ${JSON.stringify(raw)}`);
        assert.deepEqual(split.issues, []);
      }
    });
  }

  it('prints weights the way Linkerd did, through Go Quantity.String()', () => {
    // apimachinery keeps some non-canonical spellings verbatim; Linkerd printed them as kept.
    const split = splitOf(
      normalizeTrafficSplit(
        trafficSplit('split.smi-spec.io/v1alpha2', {
          service: 'web',
          backends: [
            { service: 'a', weight: 1.125 },
            { service: 'b', weight: '1.500' },
            { service: 'c', weight: 2.5 },
            { service: 'd', weight: 1e21 },
          ],
        }),
      ),
    );
    assert.deepEqual(
      split.backends.map((b) => b.weightString),
      ['1.125', '1.500', '2500m', '1e+21'],
    );
  });

  it('keeps the exact weight alongside its text', () => {
    const split = splitOf(normalizeTrafficSplit(trafficSplit('split.smi-spec.io/v1alpha1', { service: 'web', backends: [{ service: 'a', weight: '900m' }] })));
    assert.deepEqual(split.backends[0]?.weight, { mantissa: 9n, exponent: -1, format: 'DecimalSI', text: '900m' });
  });

  it('reports names no cluster would accept, and still shows the split', () => {
    const object = { apiVersion: 'split.smi-spec.io/v1alpha2', kind: 'TrafficSplit', metadata: { name: '../../etc', namespace: 'Prod Space' }, spec: { service: '<script>', backends: [{ service: 'web v1', weight: 1 }, { service: 'ok', weight: 1 }] } };
    const split = splitOf(normalizeTrafficSplit(object));
    assert.deepEqual(split.issues.filter((issue) => issue.code === 'invalid-name').map((issue) => issue.message), [
      'namespace "Prod Space" is not a Kubernetes namespace name (DNS-1123 label)',
      'name "../../etc" is not a Kubernetes object name (DNS-1123 subdomain)',
      'service "<script>" is not a Kubernetes Service name (DNS-1123 label)',
      'service "web v1" is not a Kubernetes Service name (DNS-1123 label)',
    ]);
    assert.deepEqual(split.backends.map((backend) => backend.service), ['web v1', 'ok']);
  });

  it('reports a weight no number can hold ("1e309") as invalid instead of showing Infinity', () => {
    const split = splitOf(normalizeTrafficSplit(trafficSplit('split.smi-spec.io/v1alpha2', { service: 'web', backends: [{ service: 'a', weight: '1e309' }, { service: 'b', weight: 1 }] })));
    assert.deepEqual(split.backends.map((b) => [b.weightValue, b.weightRatio]), [[null, null], [1, 1]]);
    assert.deepEqual(split.issues.map((issue) => issue.code), ['invalid-weight']);
  });

  it('reports weights Kubernetes holds as something else (rounded up to 1n, capped at 2^63-1, beyond int64) and counts them as it holds them', () => {
    const split = splitOf(
      normalizeTrafficSplit(
        trafficSplit('split.smi-spec.io/v1alpha1', {
          service: 'web',
          backends: [
            { service: 'tiny', weight: '1e-21' },
            { service: 'binary', weight: '100Ei' },
            { service: 'decimal', weight: '10E' },
            { service: 'edge', weight: '9223372036854775807' },
            { service: 'plain', weight: '900m' },
          ],
        }),
      ),
    );
    // What `kubectl get -o yaml` would show for each: apimachinery's canonical text.
    assert.deepEqual(
      split.backends.map((b) => b.weightString),
      ['1e-9', '9223372036854775807', '10E', '9223372036854775807', '900m'],
    );
    assert.deepEqual(
      split.issues.map((issue) => [issue.code, issue.backend]),
      [
        ['weight-out-of-range', 'tiny'],
        ['weight-out-of-range', 'binary'],
        ['weight-out-of-range', 'decimal'],
      ],
    );
    assert.match(split.issues[0]?.message ?? '', /finer than 1n.*rounds it up to 1e-9/);
    assert.match(split.issues[1]?.message ?? '', /caps it at 9223372036854775807/);
    // Still counted as stored: every share is finite and they sum to 1.
    const ratios = split.backends.map((b) => b.weightRatio ?? Number.NaN);
    assert.ok(ratios.every(Number.isFinite));
    assert.ok(Math.abs(ratios.reduce((sum, ratio) => sum + ratio, 0) - 1) < 1e-12);
  });

  it('computes shares exactly', () => {
    const split = splitOf(
      normalizeTrafficSplit(
        trafficSplit('split.smi-spec.io/v1alpha2', {
          service: 'web',
          backends: [
            { service: 'a', weight: 0.1 },
            { service: 'b', weight: 0.2 },
          ],
        }),
      ),
    );
    // Naive floating point gives 0.33333333333333326 and 0.6666666666666665.
    assert.deepEqual(
      split.backends.map((b) => b.weightRatio),
      [1 / 3, 2 / 3],
    );
  });

  it('computes shares across very different magnitudes', () => {
    const split = splitOf(
      normalizeTrafficSplit(
        trafficSplit('split.smi-spec.io/v1alpha1', {
          service: 'web',
          backends: [
            { service: 'tiny', weight: '1n' },
            { service: 'huge', weight: '1E' },
          ],
        }),
      ),
    );
    assert.deepEqual(
      split.backends.map((b) => b.weightRatio),
      [1e-27, 1],
    );
  });
});

describe('normalizeTrafficSplit: every issue code', () => {
  const splits = new Map(fixtureSplits('issues.yaml').map((split) => [split.name, split]));
  const get = (name: string): TrafficSplit => {
    const split = splits.get(name);
    assert.ok(split, name);
    return split;
  };

  it('missing-apex', () => {
    const split = get('missing-apex');
    assert.equal(split.apex, '');
    assert.deepEqual(codes(split), ['missing-apex']);
    assert.deepEqual(weights(split), { 'web-v1': ['1', 1, 1] });
  });

  it('no-backends', () => {
    const split = get('no-backends');
    assert.deepEqual(split.backends, []);
    assert.deepEqual(codes(split), ['no-backends']);
    assert.deepEqual(codes(splitOf(normalizeTrafficSplit(trafficSplit('split.smi-spec.io/v1alpha2', { service: 'web' })))), ['no-backends']);
    const notAList = splitOf(normalizeTrafficSplit(trafficSplit('split.smi-spec.io/v1alpha2', { service: 'web', backends: { service: 'x' } })));
    assert.deepEqual(codes(notAList), ['no-backends']);
    assert.match(notAList.issues[0]?.message ?? '', /not a list/);
  });

  it('missing-backend-service: the entry is left out of backends and shares', () => {
    const split = get('missing-backend-service');
    assert.deepEqual(codes(split), ['missing-backend-service']);
    assert.match(split.issues[0]?.message ?? '', /spec\.backends\[0\] has no service/);
    assert.deepEqual(weights(split), { 'web-v1': ['90', 90, 1] });
  });

  it('missing-weight: counts as 0, like the zero value every Go reader sees', () => {
    const split = get('missing-weight');
    assert.deepEqual(codes(split), ['missing-weight']);
    assert.equal(split.issues[0]?.backend, 'web-v1');
    assert.deepEqual(weights(split), { 'web-v1': ['0', 0, 0], 'web-v2': ['1', 1, 1] });
  });

  it('invalid-weight: backend kept with its raw text, no numbers', () => {
    const split = get('invalid-weight');
    assert.deepEqual(codes(split), ['invalid-weight']);
    assert.equal(split.issues[0]?.backend, 'web-v1');
    assert.match(split.issues[0]?.message ?? '', /"lots"/);
    const [bad] = split.backends;
    assert.deepEqual(bad, { service: 'web-v1', weight: null, weightString: 'lots', weightValue: null, weightRatio: null });
    assert.deepEqual(weights(split)['web-v2'], ['1', 1, 1]);
  });

  it('invalid-weight for values that are not numbers or strings', () => {
    for (const [raw, text] of [
      [true, 'true'],
      [{ value: 1 }, '{"value":1}'],
      [[1], '[1]'],
      ['', ''],
      ['50%', '50%'],
    ] as [unknown, string][]) {
      const split = splitOf(
        normalizeTrafficSplit(trafficSplit('split.smi-spec.io/v1alpha2', { service: 'web', backends: [{ service: 'a', weight: raw }] })),
      );
      assert.deepEqual(codes(split), ['invalid-weight'], JSON.stringify(raw));
      assert.equal(split.backends[0]?.weightString, text);
      assert.equal(split.backends[0]?.weightValue, null);
    }
  });

  it('negative-weight: shown, but left out of the shares', () => {
    const split = get('negative-weight');
    assert.deepEqual(codes(split), ['negative-weight']);
    assert.deepEqual(weights(split), { 'web-v1': ['-10', -10, null], 'web-v2': ['30', 30, 1] });
  });

  it('all-zero-weights: no shares at all', () => {
    const split = get('all-zero-weights');
    assert.deepEqual(codes(split), ['all-zero-weights']);
    assert.deepEqual(weights(split), { 'web-v1': ['0', 0, null], 'web-v2': ['0', 0, null] });
  });

  it('duplicate-backend: one entry at its first position with the later weight', () => {
    const split = get('duplicate-backend');
    assert.deepEqual(codes(split), ['duplicate-backend']);
    assert.equal(split.issues[0]?.backend, 'web-v1');
    assert.deepEqual(
      split.backends.map((b) => [b.service, b.weightString, b.weightRatio]),
      [
        ['web-v1', '70', 70 / 90],
        ['web-v2', '20', 20 / 90],
      ],
    );
  });

  it('backend-is-apex: reported, backend kept', () => {
    const split = get('backend-is-apex');
    assert.deepEqual(codes(split), ['backend-is-apex']);
    assert.deepEqual(weights(split), { web: ['1', 1, 0.5], 'web-v2': ['1', 1, 0.5] });
  });

  it('unknown-version: still read, as the newest version (matches included)', () => {
    const split = get('unknown-version');
    assert.equal(split.apiVersion, 'split.smi-spec.io/v1beta1');
    assert.deepEqual(codes(split), ['unknown-version']);
    assert.deepEqual(split.matches, [{ kind: 'HTTPRouteGroup', name: 'canaries' }]);
    assert.deepEqual(weights(split), { 'web-v1': ['1', 1, 1] });
  });

  it('reports several issues of one split together', () => {
    const split = splitOf(
      normalizeTrafficSplit(
        trafficSplit('split.smi-spec.io/v1alpha2', {
          backends: [
            { service: 'a', weight: 'x' },
            { service: 'b', weight: -1 },
            { service: 'c', weight: 0 },
          ],
        }),
      ),
    );
    assert.deepEqual(codes(split), ['missing-apex', 'invalid-weight', 'negative-weight', 'all-zero-weights']);
    assert.deepEqual(
      split.backends.map((b) => b.weightRatio),
      [null, null, null],
    );
  });
});

describe('normalizeTrafficSplit: identity and refusal', () => {
  it('takes the namespace from metadata, else the default namespace option, else "default"', () => {
    const spec = { service: 'web', backends: [{ service: 'a', weight: 1 }] };
    const withNamespace = trafficSplit('split.smi-spec.io/v1alpha2', spec, { name: 's', namespace: 'prod' });
    const withoutNamespace = trafficSplit('split.smi-spec.io/v1alpha2', spec, { name: 's' });
    assert.equal(splitOf(normalizeTrafficSplit(withNamespace, { defaultNamespace: 'other' })).key, 'prod/s');
    assert.equal(splitOf(normalizeTrafficSplit(withoutNamespace, { defaultNamespace: 'other' })).key, 'other/s');
    assert.equal(splitOf(normalizeTrafficSplit(withoutNamespace)).namespace, 'default');
  });

  it('keeps labels as strings, `__proto__` included', () => {
    const labels = JSON.parse('{"app":"web","version":2,"canary":true,"__proto__":"x","nested":{"a":1}}') as unknown;
    const split = splitOf(normalizeTrafficSplit(trafficSplit('split.smi-spec.io/v1alpha2', {}, { name: 's', labels })));
    assert.deepEqual(Object.entries(split.labels), [
      ['app', 'web'],
      ['version', '2'],
      ['canary', 'true'],
      ['__proto__', 'x'],
    ]);
  });

  it('ignores matches in versions that have none', () => {
    const split = splitOf(
      normalizeTrafficSplit(trafficSplit('split.smi-spec.io/v1alpha2', { service: 'web', matches: [{ kind: 'HTTPRouteGroup', name: 'x' }] })),
    );
    assert.deepEqual(split.matches, []);
  });

  it('refuses what is not a TrafficSplit, or has no name', () => {
    const refusals: [unknown, RegExp][] = [
      [null, /not an object/],
      ['TrafficSplit', /not an object/],
      [[], /not an object/],
      [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } }, /kind "Service" is not TrafficSplit/],
      [{ apiVersion: 'split.smi-spec.io/v1alpha2', metadata: { name: 'web' } }, /kind \(missing\)/],
      [{ apiVersion: 'flagger.app/v1beta1', kind: 'TrafficSplit', metadata: { name: 'web' } }, /not in the split\.smi-spec\.io API group/],
      [{ kind: 'TrafficSplit', metadata: { name: 'web' } }, /no apiVersion/],
      [{ apiVersion: 'split.smi-spec.io/v1alpha2', kind: 'TrafficSplit' }, /no metadata/],
      [{ apiVersion: 'split.smi-spec.io/v1alpha2', kind: 'TrafficSplit', metadata: { namespace: 'x' } }, /no metadata\.name/],
      [{ apiVersion: 'split.smi-spec.io/v1alpha2', kind: 'TrafficSplit', metadata: { name: '' } }, /no metadata\.name/],
    ];
    for (const [object, message] of refusals) {
      const result = normalizeTrafficSplit(object);
      assert.equal(result.ok, false, JSON.stringify(object));
      assert.match(result.ok ? '' : result.error, message);
    }
  });

  it('returns a split for a TrafficSplit with no spec at all', () => {
    const split = splitOf(normalizeTrafficSplit(trafficSplit('split.smi-spec.io/v1alpha4', undefined)));
    assert.deepEqual(codes(split), ['missing-apex', 'no-backends']);
  });
});
