// --auth token without restarts: a rotated tokenFile, a new entry and a revoked one take effect
// once the check interval has passed; a broken tokens file keeps the tokens read before (logged
// once), and nothing is read more often than the interval allows.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createAuth } from '../../src/api/index.js';
import { writeTemp } from './helpers.js';

const OLD = 'old-rotated-token-0123456789';
const NEW = 'new-rotated-token-9876543210';
const OTHER = 'other-team-token-abcdefghij';

describe('--auth token reloads its tokens', () => {
  it('takes a rotated tokenFile, a new entry and a revoked one after the check interval, and keeps the last good tokens while the file is broken', async (t) => {
    const tokenFile = await writeTemp(t, 'grafana-token', `${OLD}\n`);
    const entries = (extra: string) => `tokens:\n  - { name: grafana, tokenFile: ${path.basename(tokenFile)}, namespaces: all }\n${extra}`;
    const tokensFile = path.join(path.dirname(tokenFile), 'tokens.yaml');
    await writeFile(tokensFile, entries(''));
    let now = 1_000_000;
    const logged: string[] = [];
    const auth = await createAuth({ mode: 'token', tokensFile }, { now: () => now, tokensCheckIntervalMs: 5_000, log: (line) => void logged.push(line) });
    const who = async (token: string) => {
      const result = await auth.authorizer.authenticate({ get: (name) => (name === 'authorization' ? `Bearer ${token}` : undefined) });
      return result.ok ? result.principal.name : result.failure;
    };
    assert.equal(await who(OLD), 'grafana');

    await writeFile(tokenFile, `${NEW}\n`);
    await writeFile(tokensFile, entries(`  - { name: team, token: ${OTHER}, namespaces: [shop] }\n`));
    now += 4_000;
    assert.equal(await who(OLD), 'grafana', 'not read again before the interval');
    now += 2_000;
    assert.equal(await who(NEW), 'grafana', 'the rotated token');
    assert.equal(await who(OLD), 'invalid', 'the old one is revoked');
    assert.equal(await who(OTHER), 'team');
    const team = await auth.authorizer.authenticate({ get: (name) => (name === 'authorization' ? `Bearer ${OTHER}` : undefined) });
    assert.ok(team.ok);
    const grant = await auth.authorizer.allowedNamespaces(team.principal, ['shop', 'payments']);
    assert.deepEqual(grant === 'all' ? 'all' : [...grant], ['shop']);
    assert.deepEqual(logged, [`tokens file ${tokensFile} reloaded: 2 tokens`]);

    await writeFile(tokensFile, 'tokens: [ {');
    now += 6_000;
    assert.equal(await who(NEW), 'grafana', 'a broken file keeps the tokens read before');
    now += 6_000;
    assert.equal(await who(OTHER), 'team');
    assert.equal(logged.length, 2, 'the problem is logged once');
    assert.match(logged[1] ?? '', /^tokens file not reloaded, the tokens read before stay in use: .*tokens\.yaml/);
    assert.ok(!logged.some((line) => line.includes(NEW) || line.includes(OTHER)), 'no token in the log');
  });
});
