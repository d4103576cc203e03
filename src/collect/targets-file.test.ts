import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTargetsFile, parseTargetsText, TargetsFileError } from './targets-file.js';

/** The problems parseTargetsText reports for `text`, or a failed assertion if it accepts it. */
function problems(text: string): readonly string[] {
  try {
    parseTargetsText(text, 'targets.yaml');
  } catch (error) {
    assert.ok(error instanceof TargetsFileError, String(error));
    return error.problems;
  }
  assert.fail('expected the file to be rejected');
}

describe('parseTargetsText', () => {
  it('reads targets with defaults for namespace and pod', () => {
    const targets = parseTargetsText(
      [
        'targets:',
        '  - url: http://127.0.0.1:4191/metrics',
        '    namespace: default',
        '    pod: client-7d9f-abcde',
        '    workload: deployment/client',
        '  - url: https://proxy.example:4191/metrics',
        '  - url: http://10.0.0.7/metrics',
        '    namespace: prod',
        '    workload: StatefulSet/db',
      ].join('\n'),
      'targets.yaml',
    );
    assert.deepEqual(targets, [
      { url: 'http://127.0.0.1:4191/metrics', namespace: 'default', pod: 'client-7d9f-abcde', workload: { kind: 'deployment', name: 'client' } },
      { url: 'https://proxy.example:4191/metrics', namespace: 'default', pod: 'proxy.example:4191', workload: undefined },
      { url: 'http://10.0.0.7/metrics', namespace: 'prod', pod: '10.0.0.7:80', workload: { kind: 'statefulset', name: 'db' } },
    ]);
  });

  it('accepts an empty target list', () => {
    assert.deepEqual(parseTargetsText('targets: []\n', 'targets.yaml'), []);
  });

  it('names the file, the line, the entry and the key in every error', () => {
    const text = [
      'targets:',
      '  - url: http://127.0.0.1:4191/metrics',
      '  - url: http://127.0.0.1:4192/metrics',
      '  - url: ftp://example/metrics',
      '  - url: http://127.0.0.1:4193/metrics',
      '    worklaod: deployment/client',
      '  - namespace: Prod_1',
      '    url: 42',
      '  - url: http://127.0.0.1:4194/metrics',
      '    workload: client',
      '    pod: "has space"',
      '  - pod: p',
    ].join('\n');
    assert.deepEqual(problems(text), [
      'targets.yaml:4: targets[2].url: must be an http(s) URL',
      'targets.yaml:6: targets[3].worklaod: unknown key (expected url, namespace, pod, workload)',
      'targets.yaml:8: targets[4].url: must be a string',
      'targets.yaml:7: targets[4].namespace: must be a Kubernetes namespace name (lower-case letters, digits and "-", at most 63 characters)',
      'targets.yaml:11: targets[5].pod: must be a non-empty name without spaces',
      'targets.yaml:10: targets[5].workload: must be "kind/name", e.g. deployment/client',
      'targets.yaml:12: targets[6].url: required',
    ]);
  });

  it('rejects the same URL twice', () => {
    const text = 'targets:\n  - url: http://a:1/metrics\n  - url: http://b:1/metrics\n  - url: http://a:1/metrics\n';
    assert.deepEqual(problems(text), ['targets.yaml:4: targets[2].url: the same URL as targets[0]']);
  });

  it('rejects a wrong top level', () => {
    assert.deepEqual(problems(''), ['targets.yaml: empty file; expected a mapping with a "targets" list']);
    assert.deepEqual(problems('targets:\n'), ['targets.yaml:1: targets: must be a list of targets']);
    assert.deepEqual(problems('other: 1\n'), ['targets.yaml:1: targets: required', 'targets.yaml:1: other: unknown key (expected targets)']);
    assert.deepEqual(problems('targets: {url: "http://a/"}\n'), ['targets.yaml:1: targets: must be a list of targets']);
    assert.deepEqual(problems('- url: http://a/\n'), ['targets.yaml:1: expected a mapping with a "targets" list']);
    assert.deepEqual(problems('targets:\n  - 3\n'), ['targets.yaml:2: targets[0]: expected a target mapping with a url']);
  });

  it('reports YAML syntax errors with a position', () => {
    assert.deepEqual(problems('targets:\n  - url: "http://a/\n'), ['targets.yaml:3:1: Missing closing "quote']);
    assert.deepEqual(problems('targets: []\ntargets: []\n'), ['targets.yaml:2:1: Map keys must be unique']);
  });
});

describe('loadTargetsFile', () => {
  it('reads a file and uses its path in errors', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'splitstat-targets-'));
    try {
      const good = join(dir, 'good.yaml');
      await writeFile(good, 'targets:\n  - url: http://127.0.0.1:4191/metrics\n    pod: p\n');
      assert.deepEqual(await loadTargetsFile(good), [{ url: 'http://127.0.0.1:4191/metrics', namespace: 'default', pod: 'p', workload: undefined }]);
      const bad = join(dir, 'bad.yaml');
      await writeFile(bad, 'targets:\n  - url: nope\n');
      await assert.rejects(loadTargetsFile(bad), (error: unknown) => {
        assert.ok(error instanceof TargetsFileError);
        assert.equal(error.message, `${bad}:2: targets[0].url: must be an http(s) URL`);
        return true;
      });
      await assert.rejects(loadTargetsFile(join(dir, 'missing.yaml')), { name: 'TargetsFileError', message: `cannot read targets file ${join(dir, 'missing.yaml')}: ENOENT` });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
