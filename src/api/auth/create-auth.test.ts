// createAuth's configuration checks: every impossible combination of --auth, --auth-tokens-file
// and --metrics-auth is refused at start-up, naming the flag to fix.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AuthConfigError, createAuth } from './index.js';
import type { AuthConfig, AuthMode, MetricsAuthMode } from './index.js';
import { writeTemp } from '../../../test/auth/helpers.js';

async function refused(config: AuthConfig): Promise<string> {
  const error = await createAuth(config).then(
    () => assert.fail('expected an AuthConfigError'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof AuthConfigError, String(error));
  return error.message;
}

describe('createAuth configuration', () => {
  it('each mode builds its authorizer; /metrics stays open unless asked', async (t) => {
    assert.equal((await createAuth({ mode: 'none' })).authorizer.mode, 'none');
    const tokensFile = await writeTemp(t, 'tokens.yaml', 'tokens:\n  - { name: a, token: aaaaaaaaaaaaaaaaaaaa, namespaces: all }\n');
    const token = await createAuth({ mode: 'token', tokensFile });
    assert.equal(token.authorizer.mode, 'token');
    const kubernetes = await createAuth(
      { mode: 'kubernetes', metricsAuth: 'token' },
      { kubeReviews: { reviewToken: () => Promise.resolve(null), canListTrafficSplits: () => Promise.resolve(false), canGetNonResourceUrl: () => Promise.resolve(false) } },
    );
    assert.equal(kubernetes.authorizer.mode, 'kubernetes');
    assert.notEqual(kubernetes.metricsGuard, token.metricsGuard);
  });

  it('refuses what cannot work, naming the flag', async () => {
    assert.equal(await refused({ mode: 'token' }), '--auth token needs --auth-tokens-file <file>');
    assert.equal(await refused({ mode: 'kubernetes' }), '--auth kubernetes needs a kubeconfig (in-cluster, $KUBECONFIG or ~/.kube/config)');
    assert.equal(
      await refused({ mode: 'none', metricsAuth: 'token' }),
      '--metrics-auth token needs --auth token or --auth kubernetes: with --auth none there are no tokens to check',
    );
    assert.equal(await refused({ mode: 'none', tokensFile: '/x' }), '--auth-tokens-file is only read with --auth token (not --auth none)');
    assert.equal(await refused({ mode: 'ldap' as AuthMode }), '--auth: "ldap" is not one of none, token, kubernetes');
    assert.equal(await refused({ mode: 'none', metricsAuth: 'basic' as MetricsAuthMode }), '--metrics-auth: "basic" is not one of auto, none, token');
  });

  it('a bad tokens file fails start-up with its problems', async (t) => {
    const tokensFile = await writeTemp(t, 'tokens.yaml', 'tokens:\n  - name: a\n');
    await assert.rejects(createAuth({ mode: 'token', tokensFile }), { name: 'TokensFileError', message: /tokens\[0\] \("a"\)/ });
  });
});
