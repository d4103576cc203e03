import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ManifestSplitSource } from './manifest-source.js';
import type { ManifestSplitSourceOptions } from './manifest-source.js';
import { SplitStore } from './store.js';
import type { SplitChange } from './store.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/splits/', import.meta.url));

function splitYaml(name: string, weights: Record<string, string | number>, namespace?: string): string {
  const backends = Object.entries(weights)
    .map(([service, weight]) => `  - service: ${service}\n    weight: ${weight}\n`)
    .join('');
  const ns = namespace === undefined ? '' : `\n  namespace: ${namespace}`;
  return `apiVersion: split.smi-spec.io/v1alpha2\nkind: TrafficSplit\nmetadata:\n  name: ${name}${ns}\nspec:\n  service: web\n  backends:\n${backends}`;
}

/** Writes a fixture's text to `destination` (a plain write, as a user's editor would). */
async function copyFixture(name: string, destination: string): Promise<void> {
  await writeFile(destination, await readFile(path.join(FIXTURES, name), 'utf8'));
}

/** `key=backend:weight,…` for every split in the store, in key order. */
function contents(store: SplitStore): string[] {
  return store.list().map((split) => `${split.key}=${split.backends.map((b) => `${b.service}:${b.weightString}`).join(',')}`);
}

/** Polls until the condition holds; fails after a bounded wait instead of sleeping a fixed time. */
async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('ManifestSplitSource', () => {
  let dir: string;
  let store: SplitStore;
  let logLines: string[];
  const sources: ManifestSplitSource[] = [];

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-manifests-'));
    store = new SplitStore();
    logLines = [];
  });

  afterEach(async () => {
    for (const source of sources.splice(0)) await source.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function startSource(options: Partial<ManifestSplitSourceOptions> = {}): Promise<ManifestSplitSource> {
    const source = new ManifestSplitSource({ path: dir, store, debounceMs: 20, log: (line) => logLines.push(line), ...options });
    sources.push(source);
    await source.start();
    return source;
  }

  it('loads a directory tree: *.yaml, *.yml, *.json, nothing else, no hidden entries', async () => {
    await mkdir(path.join(dir, 'team-a', 'nested'), { recursive: true });
    await mkdir(path.join(dir, '.git'));
    await writeFile(path.join(dir, 'one.yaml'), splitYaml('one', { a: 1, b: 1 }));
    await writeFile(path.join(dir, 'team-a', 'two.yml'), splitYaml('two', { a: '500m' }, 'team-a'));
    await copyFixture('lists.json', path.join(dir, 'team-a', 'nested', 'lists.json'));
    await writeFile(path.join(dir, 'notes.txt'), splitYaml('from-txt', { a: 1 }));
    await writeFile(path.join(dir, '.hidden.yaml'), splitYaml('hidden', { a: 1 }));
    await writeFile(path.join(dir, '.git', 'config.yaml'), splitYaml('in-git', { a: 1 }));

    const source = await startSource();
    assert.equal(source.ready, true);
    assert.deepEqual(contents(store), [
      'default/one=a:1,b:1',
      'edge/json-split=gateway-blue:1,gateway-green:1500m',
      'team-a/two=a:500m',
    ]);
    assert.deepEqual(source.problems(), []);
  });

  it('does not follow a link out of the tree (ln -s / …), and still follows links within it', async () => {
    const outside = await mkdtemp(path.join(os.tmpdir(), 'splitstat-outside-'));
    try {
      await writeFile(path.join(outside, 'far.yaml'), splitYaml('far', { a: 1 }));
      await symlink(outside, path.join(dir, 'elsewhere'));
      await symlink(outside, path.join(dir, 'root-link'));
      // A mounted ConfigMap's shape: the file is a link into the tree's hidden `..data`.
      await mkdir(path.join(dir, '..data'));
      await writeFile(path.join(dir, '..data', 'near.yaml'), splitYaml('near', { a: 1 }));
      await symlink(path.join(dir, '..data', 'near.yaml'), path.join(dir, 'near.yaml'));
      const source = await startSource();
      assert.deepEqual(contents(store), ['default/near=a:1']);
      assert.deepEqual(source.problems(), []);
      assert.equal(logLines.filter((line) => line.includes('links outside')).length, 2, logLines.join('\n'));
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });

  it('reads no file beyond the size limit and no more files than the limit, reporting each', async () => {
    await writeFile(path.join(dir, 'a.yaml'), splitYaml('a', { v1: 1 }));
    await writeFile(path.join(dir, 'b.yaml'), `${splitYaml('b', { v1: 1 })}# ${'x'.repeat(600)}\n`);
    await writeFile(path.join(dir, 'c.yaml'), splitYaml('c', { v1: 1 }));
    await writeFile(path.join(dir, 'd.yaml'), splitYaml('d', { v1: 1 }));
    const source = await startSource({ maxFileBytes: 500, maxFiles: 3 });
    assert.deepEqual(contents(store), ['default/a=v1:1', 'default/c=v1:1']);
    assert.deepEqual(
      source.problems().map((problem) => [path.basename(problem.file), problem.message.replace(/\d+ bytes/, 'N bytes')]),
      [
        ['b.yaml', 'not read: N bytes, more than the 500-byte limit of a manifest file'],
        ['d.yaml', 'not read: the directory holds more than 3 manifest files'],
      ],
    );
  });

  it('reads List kinds and ignores other kinds', async () => {
    for (const name of ['lists.yaml', 'linkerd-integration_application.yaml', 'linkerd-integration_sp_traffic-split-leaf-weights.yaml']) {
      await copyFixture(name, path.join(dir, name));
    }
    const source = await startSource();
    assert.deepEqual(contents(store), ['prod/from-list=web-v1:90,web-v2:10', 'prod/from-typed-list=api-v1:500m,api-v2:1500m']);
    assert.deepEqual(source.problems(), []);
  });

  it('applies the default namespace', async () => {
    await copyFixture('linkerd-integration_v1alpha1_traffic-split-leaf-weights.yaml', path.join(dir, 'split.yaml'));
    await startSource({ defaultNamespace: 'linkerd-trafficsplit-test' });
    assert.deepEqual(contents(store), ['linkerd-trafficsplit-test/backend-traffic-split=backend-svc:500m,failing-svc:0']);
  });

  it('follows added, edited and deleted files', async () => {
    await writeFile(path.join(dir, 'stable.yaml'), splitYaml('stable', { a: 1 }));
    await startSource();
    const changes: SplitChange[] = [];
    store.onChange((change) => changes.push(change));

    // Linkerd's integration test: 500m/0m, then 500m/500m.
    await copyFixture('linkerd-integration_v1alpha1_traffic-split-leaf-weights.yaml', path.join(dir, 'split.yaml'));
    await waitFor(() => store.size === 2, 'the added file');
    assert.deepEqual(contents(store), ['default/backend-traffic-split=backend-svc:500m,failing-svc:0', 'default/stable=a:1']);

    await copyFixture('linkerd-integration_v1alpha1_updated-traffic-split-leaf-weights.yaml', path.join(dir, 'split.yaml'));
    await waitFor(() => store.get('default/backend-traffic-split')?.backends[1]?.weightString === '500m', 'the edit');
    assert.deepEqual(
      store.get('default/backend-traffic-split')?.backends.map((b) => b.weightRatio),
      [0.5, 0.5],
    );

    await unlink(path.join(dir, 'split.yaml'));
    await waitFor(() => store.size === 1, 'the deletion');
    assert.deepEqual(contents(store), ['default/stable=a:1']);
    // The untouched file's split was never re-published.
    assert.ok(changes.every((change) => change.split.key === 'default/backend-traffic-split'));
  });

  it('catches a second quick write that the watcher swallows', async () => {
    // chokidar reports one change per file per 50 ms and drops the rest; the source re-reads.
    const file = path.join(dir, 'split.yaml');
    await writeFile(file, splitYaml('quick', { a: 1 }));
    await startSource();
    await writeFile(file, splitYaml('quick', { a: 2 }));
    await waitFor(() => contents(store)[0] === 'default/quick=a:2', 'the first write');
    await writeFile(file, splitYaml('quick', { a: 3 }));
    await waitFor(() => contents(store)[0] === 'default/quick=a:3', 'the second write');
  });

  it('follows files replaced by rename, as editors save them', async () => {
    const file = path.join(dir, 'split.yaml');
    await writeFile(file, splitYaml('renamed', { a: 1 }));
    await startSource();
    await writeFile(`${file}.swp`, splitYaml('renamed', { a: 2 }));
    await rename(`${file}.swp`, file);
    await waitFor(() => contents(store)[0] === 'default/renamed=a:2', 'the replaced file');
  });

  it('keeps the last good splits of a file that stops parsing, without touching other files', async () => {
    const broken = path.join(dir, 'canary.yaml');
    await writeFile(broken, splitYaml('canary', { 'web-v1': 90, 'web-v2': 10 }));
    await writeFile(path.join(dir, 'other.yaml'), splitYaml('other', { a: 1 }));
    const source = await startSource();

    await copyFixture('broken.yaml', broken);
    await waitFor(() => source.problems().length === 1, 'the problem report');
    const [problem] = source.problems();
    assert.equal(problem?.file, broken);
    assert.match(problem?.message ?? '', /^invalid YAML in document 1: .*; keeping the 1 trafficsplit\(s\) of its last good version$/);
    assert.deepEqual(contents(store), ['default/canary=web-v1:90,web-v2:10', 'default/other=a:1']);
    assert.equal(logLines.filter((line) => line.includes('invalid YAML')).length, 1);

    // Other files still update while it is broken.
    await writeFile(path.join(dir, 'other.yaml'), splitYaml('other', { a: 2 }));
    await waitFor(() => store.get('default/other')?.backends[0]?.weightString === '2', 'the other file');
    assert.equal(source.problems().length, 1);
    assert.equal(logLines.filter((line) => line.includes('invalid YAML')).length, 1, 'a steady problem is logged once');

    // Fixed: new content in, problem gone.
    await writeFile(broken, splitYaml('canary', { 'web-v1': 50, 'web-v2': 50 }));
    // The watcher may see the file half-written first: wait for the whole new content.
    await waitFor(() => source.problems().length === 0 && store.get('default/canary')?.backends[0]?.weightString === '50', 'the fixed file');
    assert.deepEqual(contents(store), ['default/canary=web-v1:50,web-v2:50', 'default/other=a:2']);
  });

  it('reports a file broken from the start and loads the rest', async () => {
    await copyFixture('broken.yaml', path.join(dir, 'broken.yaml'));
    await writeFile(path.join(dir, 'good.yaml'), splitYaml('good', { a: 1 }));
    const source = await startSource();
    assert.deepEqual(contents(store), ['default/good=a:1']);
    assert.equal(source.problems().length, 1);
    assert.doesNotMatch(source.problems()[0]?.message ?? '', /keeping/);
  });

  it('a deleted broken file takes its kept splits with it', async () => {
    const file = path.join(dir, 'split.yaml');
    await writeFile(file, splitYaml('doomed', { a: 1 }));
    const source = await startSource();
    await writeFile(file, 'kind: [');
    await waitFor(() => source.problems().length === 1, 'the problem report');
    assert.equal(store.size, 1);
    await unlink(file);
    await waitFor(() => store.size === 0, 'the deletion');
    assert.deepEqual(source.problems(), []);
  });

  it('reports documents that are TrafficSplits but cannot be read, keeping the rest of the file', async () => {
    await writeFile(
      path.join(dir, 'mixed.yaml'),
      `${splitYaml('fine', { a: 1 })}---\napiVersion: split.smi-spec.io/v1alpha2\nkind: TrafficSplit\nmetadata: {}\n`,
    );
    const source = await startSource();
    assert.deepEqual(contents(store), ['default/fine=a:1']);
    assert.deepEqual(
      source.problems().map((p) => p.message),
      ['document 2: TrafficSplit has no metadata.name'],
    );
  });

  it('resolves the same split in two files: the first file in path order wins', async () => {
    await writeFile(path.join(dir, 'a.yaml'), splitYaml('shared', { a: 1 }));
    await writeFile(path.join(dir, 'b.yaml'), splitYaml('shared', { b: 2 }));
    const source = await startSource();
    assert.deepEqual(contents(store), ['default/shared=a:1']);
    assert.deepEqual(source.problems(), [
      {
        file: path.join(dir, 'b.yaml'),
        message: `trafficsplit default/shared is already defined in ${path.join(dir, 'a.yaml')}; this definition is ignored`,
      },
    ]);

    await unlink(path.join(dir, 'a.yaml'));
    await waitFor(() => contents(store)[0] === 'default/shared=b:2', 'the second definition to take over');
    assert.deepEqual(source.problems(), []);
  });

  it('watches a single file', async () => {
    const file = path.join(dir, 'only.yaml');
    await writeFile(file, splitYaml('only', { a: 1 }));
    await writeFile(path.join(dir, 'sibling.yaml'), splitYaml('sibling', { a: 1 }));
    await startSource({ path: file });
    assert.deepEqual(contents(store), ['default/only=a:1']);
    await writeFile(file, splitYaml('only', { a: 3 }));
    await waitFor(() => contents(store)[0] === 'default/only=a:3', 'the edit');
    await unlink(file);
    await waitFor(() => store.size === 0, 'the deletion');
  });

  it('rejects a path that does not exist', async () => {
    const source = new ManifestSplitSource({ path: path.join(dir, 'missing'), store });
    await assert.rejects(source.start(), /cannot read manifests at .*missing/);
    assert.equal(source.ready, false);
  });

  it('survives files it cannot read', async () => {
    // A symlink loop cannot be read by anyone, root included (ELOOP).
    await symlink(path.join(dir, 'loop-b.yaml'), path.join(dir, 'loop-a.yaml'));
    await symlink(path.join(dir, 'loop-a.yaml'), path.join(dir, 'loop-b.yaml'));
    await writeFile(path.join(dir, 'open.yaml'), splitYaml('open', { a: 1 }));
    const source = await startSource();
    assert.deepEqual(contents(store), ['default/open=a:1']);
    assert.match(source.problems()[0]?.message ?? '', /^cannot read file: .*ELOOP/);
  });

  it('survives a dangling symlink', async () => {
    await symlink(path.join(dir, 'nowhere.yaml'), path.join(dir, 'dangling.yaml'));
    await writeFile(path.join(dir, 'real.yaml'), splitYaml('real', { a: 1 }));
    await startSource();
    assert.deepEqual(contents(store), ['default/real=a:1']);
  });

  it('can be stopped while starting', async () => {
    await writeFile(path.join(dir, 'split.yaml'), splitYaml('early', { a: 1 }));
    const source = new ManifestSplitSource({ path: dir, store });
    const starting = source.start();
    await source.stop();
    await starting;
    assert.equal(source.ready, false);
  });

  it('keeps following files after a store listener throws', async () => {
    const file = path.join(dir, 'split.yaml');
    await writeFile(file, splitYaml('resilient', { a: 1 }));
    await startSource();
    let failOnce = true;
    store.onChange(() => {
      if (failOnce) {
        failOnce = false;
        throw new Error('listener failure');
      }
    });
    await writeFile(file, splitYaml('resilient', { a: 2 }));
    await waitFor(() => logLines.some((line) => line.includes('listener failure')), 'the failure to be logged');
    await writeFile(file, splitYaml('resilient', { a: 3 }));
    await waitFor(() => contents(store)[0] === 'default/resilient=a:3', 'the next edit');
  });

  it('stops: no more updates after stop()', async () => {
    const file = path.join(dir, 'split.yaml');
    await writeFile(file, splitYaml('frozen', { a: 1 }));
    const source = await startSource();
    await source.stop();
    await writeFile(file, splitYaml('frozen', { a: 2 }));
    await writeFile(path.join(dir, 'new.yaml'), splitYaml('new', { a: 1 }));
    // Nothing can arrive; give a would-be update several debounce periods to show up.
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(contents(store), ['default/frozen=a:1']);
  });
});
