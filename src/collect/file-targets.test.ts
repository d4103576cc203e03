import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTargets } from './file-targets.js';

const list = (...pods: string[]): string => `targets:\n${pods.map((pod) => `  - url: http://127.0.0.1:4191/metrics?${pod}\n    pod: ${pod}\n`).join('')}`;

/** Waits until `check` holds, failing after 5 s. */
async function eventually(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`not within 5 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('FileTargets: --targets <file> re-read when it changes', () => {
  it('follows rewrites in place and by rename, and keeps the last good list through a bad one, saying so once', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'splitstat-file-targets-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'targets.yaml');
    await writeFile(file, list('a', 'b'));
    const logged: string[] = [];
    const targets = new FileTargets(file, { log: (line, level) => logged.push(`${level ?? 'info'}: ${line}`), debounceMs: 20 });
    await targets.start();
    t.after(() => targets.stop());
    const pods = (): string[] => targets.targets().map((target) => target.pod);
    assert.deepEqual(pods(), ['a', 'b']);

    await writeFile(file, list('c'));
    await eventually(() => pods().join() === 'c', 'a rewrite in place is read');

    await writeFile(join(dir, '.next'), list('d', 'e'));
    await rename(join(dir, '.next'), file);
    await eventually(() => pods().join() === 'd,e', 'a file replaced by a rename is read');

    await writeFile(file, 'targets:\n  - url: ftp://nope\n');
    await eventually(() => logged.length > 0, 'a bad rewrite is reported');
    await writeFile(file, 'targets: [');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(pods(), ['d', 'e'], 'the last good list stays');
    assert.ok(logged.every((line) => line.startsWith('warn: targets: ') && line.endsWith('keeping the 2 targets read before')), logged.join('\n'));

    await writeFile(join(dir, 'other.yaml'), list('x'));
    await writeFile(file, list('f'));
    await eventually(() => pods().join() === 'f', 'a good file after a bad one is read');
  });

  it('fails start-up on a file that does not read, and stops following changes when stopped', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'splitstat-file-targets-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'targets.yaml');
    await assert.rejects(new FileTargets(file).start());
    await writeFile(file, list('a'));
    const targets = new FileTargets(file, { debounceMs: 10 });
    await targets.start();
    await targets.stop();
    await writeFile(file, list('b'));
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.deepEqual(targets.targets().map((target) => target.pod), ['a']);
  });
});
