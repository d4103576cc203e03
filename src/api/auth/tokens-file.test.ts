// The tokens file of --auth token: what it accepts, and that every mistake is reported with the
// file, the entry, the key and the line, and never with a token in it.
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTokensFile, TokensFileError } from './index.js';
import { tempDir, writeTemp } from '../../../test/auth/helpers.js';

const SECRET = 's3cr3t-0123456789abcdef';

async function problems(t: TestContext, text: string): Promise<string[]> {
  const error = await loadTokensFile(await writeTemp(t, 'tokens.yaml', text)).then(
    () => assert.fail('expected a TokensFileError'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof TokensFileError, String(error));
  assert.doesNotMatch(error.message, /s3cr3t|0123456789abcdef/, 'a token leaked into the error');
  return error.problems.map((line) => line.replace(/^.*tokens\.yaml: /, ''));
}

describe('tokens file', () => {
  it('tokens, tokenFiles (relative to the file) and namespace lists or all', async (t) => {
    const dir = await tempDir(t);
    await mkdir(join(dir, 'secrets'));
    await writeFile(join(dir, 'secrets', 'ci'), `${SECRET}-ci\n`);
    const file = join(dir, 'tokens.yaml');
    await writeFile(
      file,
      `tokens:
  - name: ci            # for logs only
    tokenFile: secrets/ci
    namespaces: [shop, payments, shop]
  - name: admin
    token: ${SECRET}
    namespaces: all
`,
    );
    assert.deepEqual(await loadTokensFile(file), [
      { name: 'ci', token: `${SECRET}-ci`, namespaces: ['shop', 'payments'] },
      { name: 'admin', token: SECRET, namespaces: 'all' },
    ]);
  });

  it('unknown keys name the entry, the key and the line', async (t) => {
    assert.deepEqual(await problems(t, `tokens:\n  - name: ci\n    token: ${SECRET}\n    namespace: [shop]\n`), [
      'tokens[0] ("ci").namespaces: required (line 2)',
      'tokens[0] ("ci").namespace: unknown key (line 4)',
    ]);
    assert.deepEqual(await problems(t, `tokens: []\nusers: []\n`), ['users: unknown key (line 2)']);
  });

  it('token or tokenFile: one of them, not both; tokens long enough and sendable in a header', async (t) => {
    assert.deepEqual(await problems(t, `tokens:\n  - name: a\n    namespaces: all\n`), ['tokens[0] ("a"): needs token or tokenFile (line 2)']);
    assert.deepEqual(await problems(t, `tokens:\n  - name: a\n    token: ${SECRET}\n    tokenFile: /x\n    namespaces: all\n`), [
      'tokens[0] ("a").tokenFile: give token or tokenFile, not both (line 4)',
    ]);
    assert.deepEqual(await problems(t, `tokens:\n  - name: a\n    token: short\n    namespaces: all\n`), [
      'tokens[0] ("a").token: must be at least 16 characters (e.g. the output of "openssl rand -hex 32") (line 3)',
    ]);
    assert.deepEqual(await problems(t, `tokens:\n  - name: a\n    token: "s3cr3t 0123456789abcdef"\n    namespaces: all\n`), [
      'tokens[0] ("a").token: must be printable ASCII without spaces (it is sent in an HTTP header) (line 3)',
    ]);
    assert.deepEqual(await problems(t, `tokens:\n  - name: a\n    token: 12345678901234567890\n    namespaces: all\n`), [
      'tokens[0] ("a").token: must be a string (line 3)',
    ]);
  });

  it('a tokenFile that cannot be read or holds a bad token', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'short'), 'abc\n');
    const file = join(dir, 'tokens.yaml');
    await writeFile(file, `tokens:\n  - name: a\n    tokenFile: missing\n    namespaces: all\n  - name: b\n    tokenFile: short\n    namespaces: all\n`);
    const error = await loadTokensFile(file).catch((caught: unknown) => caught);
    assert.ok(error instanceof TokensFileError);
    assert.deepEqual(error.problems, [
      `${file}: tokens[0] ("a").tokenFile: cannot read missing: ENOENT (line 3)`,
      `${file}: tokens[1] ("b").tokenFile: the token in short must be at least 16 characters (e.g. the output of "openssl rand -hex 32") (line 6)`,
    ]);
  });

  it('namespaces: a list of namespace names or "all"', async (t) => {
    const entry = (namespaces: string) => `tokens:\n  - name: a\n    token: ${SECRET}\n    namespaces: ${namespaces}\n`;
    assert.deepEqual(await problems(t, entry('everything')), ['tokens[0] ("a").namespaces: must be a list of namespaces or "all" (line 4)']);
    assert.deepEqual(await problems(t, entry('[]')), ['tokens[0] ("a").namespaces: must list at least one namespace (or be "all") (line 4)']);
    assert.deepEqual(await problems(t, entry('[shop, Bad_Name]')), [
      'tokens[0] ("a").namespaces[1]: must be a Kubernetes namespace name (lower-case letters, digits and "-", at most 63 characters) (line 4)',
    ]);
  });

  it('duplicate names and duplicate tokens', async (t) => {
    assert.deepEqual(
      await problems(t, `tokens:
  - name: a
    token: ${SECRET}
    namespaces: all
  - name: a
    token: ${SECRET}x
    namespaces: all
  - name: c
    token: ${SECRET}
    namespaces: [shop]
`),
      ['tokens[1] ("a").name: the same name as tokens[0] ("a") (line 5)', 'tokens[2] ("c").token: the same token as tokens[0] ("a") (line 9)'],
    );
  });

  it('a file that is empty, not YAML, not a mapping, or lists no token', async (t) => {
    assert.deepEqual(await problems(t, ''), ['empty file; expected a mapping with a "tokens" list']);
    assert.match((await problems(t, 'tokens: [\n'))[0] ?? '', /^invalid YAML: .* \(line \d\)$/);
    assert.deepEqual(await problems(t, '- a\n'), ['expected a mapping with a "tokens" list (line 1)']);
    assert.deepEqual(await problems(t, 'tokens: []\n'), ['tokens: lists no token, so nobody could call splitstat']);
    assert.deepEqual(await problems(t, 'tokens:\n  - just-a-token\n'), ['tokens[0]: expected a mapping with name, token (or tokenFile) and namespaces (line 2)']);
  });

  it('a file that cannot be read', async () => {
    await assert.rejects(loadTokensFile('/nonexistent/tokens.yaml'), {
      name: 'TokensFileError',
      message: 'cannot read tokens file /nonexistent/tokens.yaml: ENOENT',
    });
  });
});
