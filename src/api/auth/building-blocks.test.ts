// The small pieces access control stands on: reading the Authorization header, the review
// cache, bounded concurrency, and the static token comparison.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readBearerToken } from './bearer-token.js';
import { mapConcurrently } from './concurrency.js';
import { TokenAuthorizer } from './token-authorizer.js';
import { TtlCache } from './ttl-cache.js';

describe('readBearerToken', () => {
  it('reads RFC 6750 bearer tokens, JWTs included; the scheme in any case', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln-_';
    assert.deepEqual(readBearerToken(`Bearer ${jwt}`), { kind: 'token', token: jwt });
    assert.deepEqual(readBearerToken('bEaReR  abc=='), { kind: 'token', token: 'abc==' });
  });

  it('missing, another scheme, or more than one token', () => {
    assert.deepEqual(readBearerToken(undefined), { kind: 'missing' });
    assert.deepEqual(readBearerToken(null), { kind: 'missing' });
    assert.deepEqual(readBearerToken('  '), { kind: 'missing' });
    assert.equal(readBearerToken('Basic abc').kind, 'malformed');
    assert.equal(readBearerToken('Bearer').kind, 'malformed');
    assert.equal(readBearerToken('Bearer a b').kind, 'malformed');
    assert.equal(readBearerToken('Bearerabc').kind, 'malformed');
  });
});

describe('TtlCache', () => {
  it('reuses an answer until ttlMs after it arrived', async () => {
    let now = 0;
    let computed = 0;
    const cache = new TtlCache<number>({ ttlMs: 100, maxEntries: 10, now: () => now });
    const compute = () => Promise.resolve(++computed);
    assert.equal(await cache.get('k', compute), 1);
    now = 99;
    assert.equal(await cache.get('k', compute), 1);
    now = 100;
    assert.equal(await cache.get('k', compute), 2);
  });

  it('shares a pending computation, and forgets failures', async () => {
    let computed = 0;
    const cache = new TtlCache<number>({ ttlMs: 100, maxEntries: 10, now: () => 0 });
    let release: (value: number) => void = () => undefined;
    const slow = () => {
      computed++;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const first = cache.get('k', slow);
    const second = cache.get('k', slow);
    release(7);
    assert.deepEqual(await Promise.all([first, second]), [7, 7]);
    assert.equal(computed, 1);

    await assert.rejects(cache.get('bad', () => Promise.reject(new Error('down'))), /down/);
    assert.equal(await cache.get('bad', () => Promise.resolve(1)), 1);
  });

  it('holds at most maxEntries, dropping the oldest', async () => {
    const cache = new TtlCache<string>({ ttlMs: 1000, maxEntries: 3, now: () => 0 });
    for (const key of ['a', 'b', 'c', 'd']) await cache.get(key, () => Promise.resolve(key));
    assert.equal(cache.size, 3);
    assert.equal(await cache.get('a', () => Promise.resolve('recomputed')), 'recomputed');
    assert.equal(await cache.get('d', () => Promise.resolve('recomputed')), 'd');
  });
});

describe('mapConcurrently', () => {
  it('keeps the order and never runs more than the limit at once', async () => {
    let running = 0;
    let most = 0;
    const results = await mapConcurrently([5, 1, 4, 2, 3], 2, async (ms) => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
      return ms * 10;
    });
    assert.deepEqual(results, [50, 10, 40, 20, 30]);
    assert.equal(most, 2);
    assert.deepEqual(await mapConcurrently([], 4, () => Promise.resolve(1)), []);
  });
});

describe('TokenAuthorizer', () => {
  const authorizer = new TokenAuthorizer([
    { name: 'ci', token: 'token-ci-0123456789', namespaces: ['shop', 'payments'] },
    { name: 'admin', token: 'token-admin-0123456789', namespaces: 'all' },
  ]);
  const headers = (authorization?: string) => ({ get: (name: string) => (name === 'authorization' ? authorization : undefined) });

  it('finds the entry of a token, whatever its position; refuses near misses', async () => {
    const ci = await authorizer.authenticate(headers('Bearer token-ci-0123456789'));
    assert.ok(ci.ok);
    assert.equal(ci.principal.name, 'ci');
    const admin = await authorizer.authenticate(headers('Bearer token-admin-0123456789'));
    assert.ok(admin.ok);
    assert.equal(admin.principal.name, 'admin');
    for (const near of ['token-ci-012345678', 'token-ci-01234567890', 'TOKEN-CI-0123456789']) {
      assert.deepEqual(await authorizer.authenticate(headers(`Bearer ${near}`)), { ok: false, failure: 'invalid', message: 'invalid bearer token' });
    }
    assert.deepEqual(await authorizer.authenticate(headers()), { ok: false, failure: 'missing', message: 'missing bearer token' });
  });

  it('grants the listed namespaces among the candidates, or all', async () => {
    const ci = await authorizer.authenticate(headers('Bearer token-ci-0123456789'));
    const admin = await authorizer.authenticate(headers('Bearer token-admin-0123456789'));
    assert.ok(ci.ok && admin.ok);
    assert.deepEqual(await authorizer.allowedNamespaces(ci.principal, ['shop', 'prod', 'payments']), new Set(['shop', 'payments']));
    assert.equal(await authorizer.allowedNamespaces(admin.principal, ['prod']), 'all');
    // A principal this authorizer did not issue gets nothing.
    assert.deepEqual(await authorizer.allowedNamespaces({ name: 'ci', groups: [] }, ['shop']), new Set());
  });
});
