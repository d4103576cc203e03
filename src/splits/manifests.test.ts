import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseManifestText } from './manifests.js';
import type { ManifestParseResult } from './manifests.js';

const FIXTURES = new URL('../../test/fixtures/splits/', import.meta.url);

function parseFixture(name: string, options?: { defaultNamespace?: string }): ManifestParseResult {
  return parseManifestText(readFileSync(new URL(name, FIXTURES), 'utf8'), name, options);
}

function keys(result: ManifestParseResult): string[] {
  return result.splits.map((split) => split.key);
}

describe('parseManifestText', () => {
  it('reads every TrafficSplit of a multi-document file and ignores other kinds', () => {
    const result = parseFixture('trafficsplit-examples-from-spec.yaml');
    assert.equal(result.readable, true);
    // foobar-rollout appears twice (v1alpha1, then v1alpha2): the later one, at its own place,
    // is what applying the file leaves behind, and the repeat is reported.
    assert.deepEqual(keys(result), [
      'default/my-weights',
      'default/my-trafficsplit',
      'default/foobar-rollout',
      'default/canary',
      'default/ab-test',
      'default/backend-traffic-split',
    ]);
    assert.equal(result.splits[2]?.apiVersion, 'split.smi-spec.io/v1alpha2');
    assert.deepEqual(result.problems, [
      {
        file: 'trafficsplit-examples-from-spec.yaml',
        message: 'document 4: trafficsplit default/foobar-rollout is also defined in document 2; the later definition is used',
      },
    ]);
  });

  it('returns nothing and no problems for a file of other kinds', () => {
    for (const name of ['linkerd-integration_application.yaml', 'linkerd-integration_sp_traffic-split-leaf-weights.yaml']) {
      const result = parseFixture(name);
      assert.deepEqual(result, { splits: [], problems: [], readable: true }, name);
    }
  });

  it('uses the default namespace for splits without one', () => {
    const result = parseFixture('linkerd-integration_v1alpha2_traffic-split-leaf-weights.yaml', { defaultNamespace: 'linkerd-trafficsplit-test' });
    assert.deepEqual(keys(result), ['linkerd-trafficsplit-test/backend-traffic-split']);
  });

  it('flattens kind: List and typed *List documents', () => {
    const result = parseFixture('lists.yaml');
    assert.deepEqual(keys(result), ['prod/from-list', 'prod/from-typed-list']);
    assert.deepEqual(result.problems, []);
    // Items of a typed list take apiVersion and kind from the list.
    const typed = result.splits[1];
    assert.equal(typed?.apiVersion, 'split.smi-spec.io/v1alpha1');
    assert.deepEqual(
      typed?.backends.map((b) => [b.service, b.weightString, b.weightRatio]),
      [
        ['api-v1', '500m', 0.25],
        ['api-v2', '1500m', 0.75],
      ],
    );
  });

  it('reads JSON', () => {
    const result = parseFixture('lists.json');
    assert.deepEqual(keys(result), ['edge/json-split']);
    assert.deepEqual(
      result.splits[0]?.backends.map((b) => [b.service, b.weightString]),
      [
        ['gateway-blue', '1'],
        ['gateway-green', '1500m'],
      ],
    );
  });

  it('reads a single JSON TrafficSplit and YAML flow style', () => {
    const json = JSON.stringify({
      apiVersion: 'split.smi-spec.io/v1alpha2',
      kind: 'TrafficSplit',
      metadata: { name: 'j' },
      spec: { service: 'web', backends: [{ service: 'a', weight: 1 }] },
    });
    assert.deepEqual(keys(parseManifestText(json, 'x.json')), ['default/j']);
    const flow = '{apiVersion: split.smi-spec.io/v1alpha2, kind: TrafficSplit, metadata: {name: f}, spec: {service: web}}';
    assert.deepEqual(keys(parseManifestText(flow, 'flow.yaml')), ['default/f']);
  });

  it('reads YAML the way kubectl does (YAML 1.1 scalars)', () => {
    const text = [
      'apiVersion: split.smi-spec.io/v1alpha2',
      'kind: TrafficSplit',
      'metadata: {name: yaml11}',
      'spec:',
      '  service: web',
      '  backends:',
      '  - {service: a, weight: 1_000}',
      '  - {service: b, weight: 010}',
      '  - {service: c, weight: 1e3}',
    ].join('\n');
    const [split] = parseManifestText(text, 'yaml11.yaml').splits;
    assert.deepEqual(
      split?.backends.map((b) => b.weightString),
      ['1k', '8', '1k'],
    );
  });

  it('reports a YAML syntax error for the whole file and returns no splits', () => {
    const result = parseFixture('broken.yaml');
    assert.equal(result.readable, false);
    assert.deepEqual(result.splits, []);
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0]?.file, 'broken.yaml');
    assert.match(result.problems[0]?.message ?? '', /^invalid YAML in document 1: .+ at line \d+, column \d+$/);
  });

  it('reports a syntax error in any document, even after good ones', () => {
    const good = readFileSync(new URL('linkerd-integration_v1alpha1_traffic-split-leaf-weights.yaml', FIXTURES), 'utf8');
    const result = parseManifestText(`${good}\n---\nkey: [unclosed\n`, 'mixed.yaml');
    assert.equal(result.readable, false);
    assert.deepEqual(result.splits, []);
    assert.match(result.problems[0]?.message ?? '', /^invalid YAML in document 2/);
  });

  it('reports invalid JSON in a .json file', () => {
    const result = parseManifestText('{"kind": "TrafficSplit",', 'bad.json');
    assert.equal(result.readable, false);
    assert.match(result.problems[0]?.message ?? '', /^invalid JSON: /);
  });

  it('reports a TrafficSplit document that cannot be normalised, and keeps the others', () => {
    const text = [
      'apiVersion: split.smi-spec.io/v1alpha2',
      'kind: TrafficSplit',
      'metadata: {namespace: prod}',
      'spec: {service: web}',
      '---',
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- {apiVersion: example.com/v1, kind: TrafficSplit, metadata: {name: other}}',
      '- {apiVersion: split.smi-spec.io/v1alpha2, kind: TrafficSplit, metadata: {name: fine}, spec: {service: web}}',
    ].join('\n');
    const result = parseManifestText(text, 'some.yaml');
    assert.equal(result.readable, true);
    assert.deepEqual(keys(result), ['default/fine']);
    assert.deepEqual(
      result.problems.map((p) => p.message),
      ['document 1: TrafficSplit has no metadata.name', 'document 2, item 1: apiVersion "example.com/v1" is not in the split.smi-spec.io API group'],
    );
  });

  it('treats comments and empty documents as nothing, and says when a file is empty or not text', () => {
    for (const text of ['# just a comment\n', '---\n---\n']) {
      assert.deepEqual(parseManifestText(text, 'empty.yaml'), { splits: [], problems: [], readable: true }, JSON.stringify(text));
    }
    for (const text of ['', '\n', '  \n\t\n']) {
      assert.deepEqual(parseManifestText(text, 'empty.yaml'), { splits: [], problems: [{ file: 'empty.yaml', message: 'the file is empty' }], readable: true }, JSON.stringify(text));
    }
    for (const text of ['\u0000\u0001PNG', 'kind: TrafficSplit\n\uFFFD\n']) {
      assert.deepEqual(parseManifestText(text, 'image.yaml'), { splits: [], problems: [{ file: 'image.yaml', message: 'not a text file (binary, or not UTF-8)' }], readable: false });
    }
  });

  it('ignores scalars and lists at the top level', () => {
    assert.deepEqual(parseManifestText('just a string\n---\n- 1\n- 2\n', 'odd.yaml'), { splits: [], problems: [], readable: true });
  });
});
