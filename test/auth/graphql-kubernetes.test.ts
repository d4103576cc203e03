// --auth kubernetes end to end: the real @kubernetes/client-node clients send TokenReviews and
// SubjectAccessReviews to the fake API server, whose table of tokens and grants the tests
// control, and the GraphQL server shows each caller what RBAC lets it list.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAuth } from '../../src/api/index.js';
import type { Auth, AuthOptions } from '../../src/api/index.js';
import { setup, split } from '../helpers/graphql-context.js';
import type { TestSetup } from '../helpers/graphql-context.js';
import { FakeKubeServer, kubeConfigFor } from '../helpers/fake-kube/index.js';
import { FakeAuthz, installAuthz } from '../helpers/fake-kube/authz.js';
import { onlyError, query, splitKeys, subscribe } from './helpers.js';

const LIST = `query($namespace: String) { trafficSplits(namespace: $namespace) { namespace name } }`;
const ONE = `query($namespace: String!, $name: String!) { trafficSplit(namespace: $namespace, name: $name) { name } }`;
const ALL = ['a/two', 'a-b/one', 'default/api', 'default/web', 'prod/web'];
const TTL_MS = 30_000;

let kube: FakeKubeServer;
let authz: FakeAuthz;
let clock: number;
let logged: string[];

before(async () => {
  kube = await FakeKubeServer.start();
  authz = new FakeAuthz();
  installAuthz(kube, authz);
});

after(() => kube.close());

beforeEach(() => {
  authz.tokens.clear();
  authz.grants.clear();
  authz.reviews.length = 0;
  authz.failWith = undefined;
  authz.tokens.set('alice-token', { username: 'alice' });
  authz.tokens.set('bob-token', { username: 'bob', groups: ['ops'] });
  authz.tokens.set('carol-token', { username: 'carol' });
  authz.grants.set('alice', ['default', 'a']);
  authz.grants.set('group:ops', 'cluster');
  clock = 1_000_000;
  logged = [];
});

interface KubeSetup extends TestSetup {
  readonly auth: Auth;
}

async function kubeSetup(options: AuthOptions = {}, kubeConfig = kubeConfigFor(kube)): Promise<KubeSetup> {
  const auth = await createAuth(
    { mode: 'kubernetes', kubeConfig },
    { now: () => clock, cacheTtlMs: TTL_MS, log: (line) => void logged.push(line), ...options },
  );
  return { ...setup({ auth: auth.graphqlContext }), auth };
}

describe('--auth kubernetes: who sees what', () => {
  it('a user allowed some namespaces sees those splits; each namespace is one SubjectAccessReview', async () => {
    const { yoga } = await kubeSetup();
    assert.deepEqual(splitKeys(await query(yoga, LIST, { token: 'alice-token' })), ['a/two', 'default/api', 'default/web']);
    assert.equal(authz.count('TokenReview'), 1);
    const reviews = authz.reviews.filter((review) => review.kind === 'SubjectAccessReview');
    // Cluster-wide first, then every namespace that has splits.
    assert.deepEqual(reviews.map((review) => review.namespace).sort(), ['', 'a', 'a-b', 'default', 'prod']);
    for (const review of reviews) {
      assert.deepEqual(
        { user: review.user, verb: review.verb, group: review.group, resource: review.resource },
        { user: 'alice', verb: 'list', group: 'split.smi-spec.io', resource: 'trafficsplits' },
      );
    }
  });

  it('a user allowed cluster-wide (here through a group) sees everything after a single review', async () => {
    const { yoga } = await kubeSetup();
    assert.deepEqual(splitKeys(await query(yoga, LIST, { token: 'bob-token' })), ALL);
    assert.equal(authz.count('TokenReview'), 1);
    assert.deepEqual(
      authz.reviews.filter((review) => review.kind === 'SubjectAccessReview').map((review) => review.namespace),
      [''],
    );
  });

  it('a namespace by name: the splits if allowed, FORBIDDEN if not; trafficSplit likewise', async () => {
    const { yoga } = await kubeSetup();
    assert.deepEqual(splitKeys(await query(yoga, LIST, { token: 'alice-token', variables: { namespace: 'default' } })), ['default/api', 'default/web']);
    const forbidden = onlyError(await query(yoga, LIST, { token: 'alice-token', variables: { namespace: 'prod' } }));
    assert.deepEqual([forbidden.message, forbidden.extensions?.['code']], ['not allowed to list trafficsplits in namespace "prod"', 'FORBIDDEN']);
    assert.deepEqual((await query(yoga, ONE, { token: 'alice-token', variables: { namespace: 'a', name: 'two' } })).body, {
      data: { trafficSplit: { name: 'two' } },
    });
    assert.equal(onlyError(await query(yoga, ONE, { token: 'alice-token', variables: { namespace: 'prod', name: 'web' } })).extensions?.['code'], 'FORBIDDEN');
  });

  it('an authenticated user without any grant sees an empty list, not an error', async () => {
    const { yoga } = await kubeSetup();
    assert.deepEqual(splitKeys(await query(yoga, LIST, { token: 'carol-token' })), []);
  });

  it('a token the API server does not accept: 401 invalid_token', async () => {
    const { yoga } = await kubeSetup();
    const answer = await query(yoga, LIST, { token: 'stolen-or-expired' });
    assert.equal(answer.status, 401);
    assert.equal(answer.headers.get('www-authenticate'), 'Bearer realm="splitstat", error="invalid_token"');
    assert.deepEqual(onlyError(answer), { message: 'invalid or expired bearer token', extensions: { code: 'UNAUTHENTICATED' } });
    const none = await query(yoga, LIST);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="splitstat"');
    assert.equal(authz.count('TokenReview'), 1, 'no review for a request without a token');
  });
});

describe('--auth kubernetes: caching', () => {
  it('repeated requests within the TTL make no new reviews; after it they do', async () => {
    const { yoga } = await kubeSetup();
    await query(yoga, LIST, { token: 'alice-token' });
    const first = authz.reviews.length;
    assert.equal(first, 6);
    for (let i = 0; i < 5; i++) {
      clock += 5_000;
      assert.deepEqual(splitKeys(await query(yoga, LIST, { token: 'alice-token' })), ['a/two', 'default/api', 'default/web']);
    }
    await query(yoga, ONE, { token: 'alice-token', variables: { namespace: 'default', name: 'web' } });
    assert.equal(authz.reviews.length, first, 'every answer came from the cache');

    clock += TTL_MS;
    authz.grants.set('alice', ['prod']); // RBAC changed meanwhile
    assert.deepEqual(splitKeys(await query(yoga, LIST, { token: 'alice-token' })), ['prod/web']);
    assert.equal(authz.count('TokenReview'), 2);
    assert.equal(authz.reviews.length, 2 * first);
  });

  it('a refused token is remembered too: retrying it does not hammer the API server', async () => {
    const { yoga } = await kubeSetup();
    for (let i = 0; i < 5; i++) assert.equal((await query(yoga, LIST, { token: 'nope' })).status, 401);
    assert.equal(authz.count('TokenReview'), 1);
  });

  it('a burst of requests with a new token shares one TokenReview', async () => {
    const { yoga } = await kubeSetup();
    const answers = await Promise.all(Array.from({ length: 10 }, () => query(yoga, LIST, { token: 'bob-token' })));
    for (const answer of answers) assert.deepEqual(splitKeys(answer), ALL);
    assert.equal(authz.count('TokenReview'), 1);
    assert.equal(authz.count('SubjectAccessReview'), 1);
  });

  it('a token revoked meanwhile is refused once its cached review expires', async () => {
    const { yoga } = await kubeSetup();
    assert.equal((await query(yoga, LIST, { token: 'bob-token' })).status, 200);
    authz.tokens.delete('bob-token');
    clock += TTL_MS - 1;
    assert.equal((await query(yoga, LIST, { token: 'bob-token' })).status, 200);
    clock += 1;
    assert.equal((await query(yoga, LIST, { token: 'bob-token' })).status, 401);
  });
});

describe('--auth kubernetes: the API server failing', () => {
  it('down: 503 with a clear UNAVAILABLE error, the details in the log, and the service keeps serving', async () => {
    const gone = await FakeKubeServer.start();
    const kubeConfig = kubeConfigFor(gone);
    await gone.close();
    const { yoga } = await kubeSetup({}, kubeConfig);
    const answer = await query(yoga, LIST, { token: 'alice-token' });
    assert.equal(answer.status, 503);
    assert.equal(answer.headers.get('retry-after'), '5');
    const error = onlyError(answer);
    assert.equal(error.extensions?.['code'], 'UNAVAILABLE');
    assert.match(error.message, /^cannot check access right now: the Kubernetes API server did not answer/);
    assert.doesNotMatch(error.message, /127\.0\.0\.1/, 'no internal addresses in answers');
    assert.match(logged.join('\n'), /authentication failed: creating tokenreviews: .*ECONNREFUSED/);
    // Again: failures are not cached, and nothing crashed.
    assert.equal((await query(yoga, LIST, { token: 'alice-token' })).status, 503);
    assert.equal((await query(yoga, '{ serverInfo { version } }', { token: 'alice-token' })).status, 503);
  });

  it('answering errors: 503 while it fails, served again as soon as it answers (failures are never cached)', async () => {
    const { yoga } = await kubeSetup();
    authz.failWith = 500;
    assert.equal((await query(yoga, LIST, { token: 'alice-token' })).status, 503);
    assert.match(logged.join('\n'), /the API server answered 500/);
    authz.failWith = undefined;
    assert.deepEqual(splitKeys(await query(yoga, LIST, { token: 'alice-token' })), ['a/two', 'default/api', 'default/web']);
  });

  it('splitstat without RBAC for reviews: the log says what to grant', async () => {
    const { yoga } = await kubeSetup();
    authz.failWith = 403;
    assert.equal((await query(yoga, LIST, { token: 'alice-token' })).status, 503);
    assert.match(logged.join('\n'), /may not create tokenreviews \(403\): grant it create on tokenreviews and subjectaccessreviews/);
  });

  it('SubjectAccessReviews failing after a cached TokenReview: an UNAVAILABLE error for the field, 503', async () => {
    const { yoga } = await kubeSetup();
    await query(yoga, '{ serverInfo { version } }', { token: 'alice-token' });
    authz.failWith = 500;
    const answer = await query(yoga, LIST, { token: 'alice-token' });
    assert.equal(answer.status, 503);
    assert.equal(onlyError(answer).extensions?.['code'], 'UNAVAILABLE');
    assert.match(logged.join('\n'), /access check for "alice" failed: creating subjectaccessreviews: the API server answered 500/);
  });

  it('an API server that does not answer: 503 after the review timeout', async () => {
    const stalled = await FakeKubeServer.start();
    stalled.route('POST', /tokenreviews$/, () => new Promise<void>(() => undefined));
    try {
      const { yoga } = await kubeSetup({ reviewTimeoutMs: 200 }, kubeConfigFor(stalled));
      const started = Date.now();
      assert.equal((await query(yoga, LIST, { token: 'alice-token' })).status, 503);
      assert.ok(Date.now() - started < 3000);
      assert.match(logged.join('\n'), /no answer within 0\.2s/);
    } finally {
      await stalled.close();
    }
  });
});

describe('--auth kubernetes: subscriptions', { timeout: 30_000 }, () => {
  it('weightChanges: only allowed namespaces; a check that fails is an error event and the stream goes on', async (t) => {
    const { yoga, store } = await kubeSetup();
    const stream = await subscribe(t, yoga, 'subscription { weightChanges { namespace name kind } }', { token: 'alice-token' });
    for (let waited = 0; store.listeners === 0; waited += 5) {
      if (waited > 5000) throw new Error('the subscription did not start');
      await sleep(5);
    }
    store.upsert(split('prod', 'hidden', 'hidden', [['hidden-v1', 1]]));
    store.upsert(split('default', 'shown', 'shown', [['shown-v1', 1]]));
    assert.deepEqual((await stream.next()).data, { weightChanges: { namespace: 'default', name: 'shown', kind: 'created' } });

    authz.failWith = 500;
    store.upsert(split('brand-new', 'x', 'x', [['x-v1', 1]])); // a namespace with no cached decision
    const failed = await stream.next();
    assert.equal(failed.errors?.[0]?.extensions?.['code'], 'UNAVAILABLE');
    authz.failWith = undefined;
    store.upsert(split('a', 'later', 'later', [['later-v1', 1]]));
    assert.deepEqual((await stream.next()).data, { weightChanges: { namespace: 'a', name: 'later', kind: 'created' } });
  });

  it('trafficSplits: a user granted a namespace meanwhile sees it after the TTL', async (t) => {
    const { yoga } = await kubeSetup();
    const stream = await subscribe(t, yoga, 'subscription { trafficSplits(interval: "1s") { namespace name } }', { token: 'alice-token' });
    const keys = (body: Awaited<ReturnType<typeof stream.next>>) =>
      (body.data?.['trafficSplits'] as { namespace: string; name: string }[]).map((s) => `${s.namespace}/${s.name}`);
    assert.deepEqual(keys(await stream.next()), ['a/two', 'default/api', 'default/web']);
    authz.grants.set('alice', ['default', 'a', 'prod']);
    clock += TTL_MS;
    assert.deepEqual(keys(await stream.next()), ['a/two', 'default/api', 'default/web', 'prod/web']);
  });
});
