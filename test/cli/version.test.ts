import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runCli } from '../../src/cli/index.js';

describe('splitstat --version', () => {
  it('prints the package version and exits 0, with -v too', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-v']) {
      let stdout = '';
      const code = await runCli(['node', 'splitstat', flag], { stdout: { write: (text: string) => (stdout += text) }, stderr: { write: () => true }, env: {} });
      assert.equal(code, 0, flag);
      assert.equal(stdout, `${version}\n`, flag);
    }
  });
});
