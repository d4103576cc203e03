// --auth none and --auth token through the real GraphQL server (yoga.fetch, no sockets): who gets
// in, and that every query and subscription shows only the namespaces the caller may see.
import { describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { createAuth } from '../../src/api/index.js';
import { setup, split } from '../helpers/graphql-context.js';
import type { TestSetup } from '../helpers/graphql-context.js';
import { onlyError, query, splitKeys, subscribe, writeTemp } from './helpers.js';

// The test context holds default/web, default/api, prod/web, a-b/one and a/two.
const CI = 'ci-token-0123456789abcdef';
const ADMIN = 'admin-token-0123456789abcdef';
const PROD = 'prod-token-0123456789abcdef';
const TOKENS = `tokens:
  - name: ci
    token: ${CI}
    namespaces: [default, a]
  - name: admin
    token: ${ADMIN}
    namespaces: all
  - name: prod
    token: ${PROD}
    namespaces: [prod]
`;

const LIST = `query($namespace: String, $names: [String!]) { trafficSplits(namespace: $namespace, names: $names) { namespace name } }`;
const ONE = `query($namespace: String!, $name: String!) { trafficSplit(namespace: $namespace, name: $name) { namespace name } }`;

async function tokenSetup(t: TestContext): Promise<TestSetup> {
  const auth = await createAuth({ mode: 'token', tokensFile: await writeTemp(t, 'tokens.yaml', TOKENS) });
  return setup({ auth: auth.graphqlContext });
}

describe('--auth none', () => {
  it('needs no token and shows every namespace, as a server without access control does', async () => {
    const auth = await createAuth({ mode: 'none' });
    const { yoga } = setup({ auth: auth.graphqlContext });
    assert.deepEqual(splitKeys(await query(yoga, LIST)), ['a/two', 'a-b/one', 'default/api', 'default/web', 'prod/web']);
    // A token sent anyway changes nothing.
    assert.deepEqual(splitKeys(await query(yoga, LIST, { token: 'whatever', variables: { namespace: 'prod' } })), ['prod/web']);
    const { yoga: plain } = setup();
    assert.deepEqual(splitKeys(await query(plain, LIST)), splitKeys(await query(yoga, LIST)));
  });
});

describe('--auth token: authentication', () => {
  it('no token: 401, WWW-Authenticate: Bearer and a GraphQL error body', async (t) => {
    const { yoga, source } = await tokenSetup(t);
    const answer = await query(yoga, LIST);
    assert.equal(answer.status, 401);
    assert.equal(answer.headers.get('www-authenticate'), 'Bearer realm="splitstat"');
    assert.match(answer.headers.get('content-type') ?? '', /json/);
    assert.deepEqual(answer.body, { errors: [{ message: 'missing bearer token', extensions: { code: 'UNAUTHENTICATED' } }] });
    assert.equal(source.queries.length, 0, 'nothing was computed');
  });

  it('a wrong token: 401 with error="invalid_token"', async (t) => {
    const { yoga } = await tokenSetup(t);
    const answer = await query(yoga, LIST, { token: `${CI}x` });
    assert.equal(answer.status, 401);
    assert.equal(answer.headers.get('www-authenticate'), 'Bearer realm="splitstat", error="invalid_token"');
    assert.equal(onlyError(answer).message, 'invalid bearer token');
  });

  it('another scheme or a header that is not one token: 401 saying so', async (t) => {
    const { yoga } = await tokenSetup(t);
    const basic = await query(yoga, LIST, { authorization: 'Basic dXNlcjpwYXNz' });
    assert.equal(basic.status, 401);
    assert.equal(onlyError(basic).message, 'the Authorization header must use the Bearer scheme, not "Basic"');
    const two = await query(yoga, LIST, { authorization: `Bearer ${CI} ${CI}` });
    assert.equal(two.status, 401);
    assert.equal(onlyError(two).message, 'the Authorization header must be "Bearer <token>"');
  });

  it('the scheme is case-insensitive', async (t) => {
    const { yoga } = await tokenSetup(t);
    assert.deepEqual(splitKeys(await query(yoga, LIST, { authorization: `bearer ${ADMIN}` })).length, 5);
  });

  it('serverInfo and introspection need a token too; the GraphiQL page does not (the token goes in its Headers tab)', async (t) => {
    const { yoga } = await tokenSetup(t);
    assert.equal((await query(yoga, '{ serverInfo { version } }')).status, 401);
    assert.equal((await query(yoga, '{ __schema { queryType { name } } }')).status, 401);
    const page = await yoga.fetch('http://localhost/graphql', { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
  });
});

describe('--auth token: namespaces', () => {
  it('trafficSplits across namespaces keeps only the allowed ones, silently', async (t) => {
    const { yoga } = await tokenSetup(t);
    assert.deepEqual(splitKeys(await query(yoga, LIST, { token: CI })), ['a/two', 'default/api', 'default/web']);
    assert.deepEqual(splitKeys(await query(yoga, LIST, { token: PROD })), ['prod/web']);
    assert.deepEqual(splitKeys(await query(yoga, LIST, { token: ADMIN })), ['a/two', 'a-b/one', 'default/api', 'default/web', 'prod/web']);
    // `namespace: ""` is Kubernetes' "all namespaces": the same.
    assert.deepEqual(splitKeys(await query(yoga, LIST, { token: CI, variables: { namespace: '' } })), ['a/two', 'default/api', 'default/web']);
    // names across namespaces: only the allowed namespaces' splits of that name.
    assert.deepEqual(splitKeys(await query(yoga, LIST, { token: CI, variables: { names: ['web'] } })), ['default/web']);
  });

  it('trafficSplits in an allowed namespace answers; in a forbidden one it is FORBIDDEN', async (t) => {
    const { yoga, source } = await tokenSetup(t);
    assert.deepEqual(splitKeys(await query(yoga, LIST, { token: CI, variables: { namespace: 'default' } })), ['default/api', 'default/web']);
    const forbidden = await query(yoga, LIST, { token: CI, variables: { namespace: 'prod' } });
    const error = onlyError(forbidden);
    assert.equal(error.message, 'not allowed to list trafficsplits in namespace "prod"');
    assert.equal(error.extensions?.['code'], 'FORBIDDEN');
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.data, null);
    // Also for a namespace with no splits at all: whether it exists is not told.
    assert.equal(onlyError(await query(yoga, LIST, { token: CI, variables: { namespace: 'nowhere' } })).extensions?.['code'], 'FORBIDDEN');
    assert.equal(source.queries.length, 0, 'no numbers were fetched for a refused request');
  });

  it('trafficSplit: a split in an allowed namespace, null for a missing one, FORBIDDEN elsewhere (existing or not)', async (t) => {
    const { yoga } = await tokenSetup(t);
    const found = await query(yoga, ONE, { token: CI, variables: { namespace: 'default', name: 'web' } });
    assert.deepEqual(found.body, { data: { trafficSplit: { namespace: 'default', name: 'web' } } });
    const missing = await query(yoga, ONE, { token: CI, variables: { namespace: 'default', name: 'nope' } });
    assert.deepEqual(missing.body, { data: { trafficSplit: null } });
    for (const name of ['web', 'nope']) {
      const error = onlyError(await query(yoga, ONE, { token: CI, variables: { namespace: 'prod', name } }));
      assert.equal(error.message, 'not allowed to list trafficsplits in namespace "prod"');
      assert.equal(error.extensions?.['code'], 'FORBIDDEN');
    }
  });

  it('stats are fetched only for the allowed splits', async (t) => {
    const { yoga, source } = await tokenSetup(t);
    const answer = await query(yoga, '{ trafficSplits { namespace name stats { successCount } } }', { token: PROD });
    assert.equal(answer.body.errors, undefined);
    assert.deepEqual(
      source.queries.map((asked) => asked.splits.map((one) => one.key)),
      [['prod/web']],
    );
  });
});

const SPLITS_STREAM = `subscription($namespace: String) { trafficSplits(namespace: $namespace, interval: "1s") { namespace name } }`;
const CHANGES = `subscription($namespace: String) { weightChanges(namespace: $namespace) { namespace name kind } }`;

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 5) {
    if (waited > 5000) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('--auth token: subscriptions', { timeout: 30_000 }, () => {
  it('trafficSplits streams only the allowed namespaces, each tick afresh', async (t) => {
    const { yoga, store } = await tokenSetup(t);
    const stream = await subscribe(t, yoga, SPLITS_STREAM, { token: CI });
    const names = (body: Awaited<ReturnType<typeof stream.next>>) =>
      (body.data?.['trafficSplits'] as { namespace: string; name: string }[]).map((s) => `${s.namespace}/${s.name}`);
    assert.deepEqual(names(await stream.next()), ['a/two', 'default/api', 'default/web']);
    store.upsert(split('prod', 'new', 'new', [['new-v1', 1]]));
    store.upsert(split('a', 'new', 'new', [['new-v1', 1]]));
    assert.deepEqual(names(await stream.next()), ['a/new', 'a/two', 'default/api', 'default/web']);
  });

  it('trafficSplits for a forbidden namespace is an error response, not a stream', async (t) => {
    const { yoga } = await tokenSetup(t);
    const stream = await subscribe(t, yoga, SPLITS_STREAM, { token: CI, variables: { namespace: 'prod' } });
    const first = await stream.next();
    assert.equal(first.errors?.[0]?.message, 'not allowed to list trafficsplits in namespace "prod"');
    assert.equal(first.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    await assert.rejects(stream.next(), /stream completed|stream ended/);
  });

  it('weightChanges streams only changes in allowed namespaces, in order', async (t) => {
    const { yoga, store } = await tokenSetup(t);
    const stream = await subscribe(t, yoga, CHANGES, { token: CI });
    await until(() => store.listeners === 1, 'the subscription to listen');
    store.upsert(split('prod', 'hidden', 'hidden', [['hidden-v1', 1]]));
    store.upsert(split('default', 'first', 'first', [['first-v1', 1]]));
    store.upsert(split('a-b', 'hidden', 'hidden', [['hidden-v1', 1]]));
    store.upsert(split('a', 'second', 'second', [['second-v1', 1]]));
    store.delete('default/first');
    const events = [];
    for (let i = 0; i < 3; i++) events.push((await stream.next()).data?.['weightChanges']);
    assert.deepEqual(events, [
      { namespace: 'default', name: 'first', kind: 'created' },
      { namespace: 'a', name: 'second', kind: 'created' },
      { namespace: 'default', name: 'first', kind: 'deleted' },
    ]);
    await assert.rejects(stream.next(200), /no event within/);
    await stream.cancel();
    await until(() => store.listeners === 0, 'the listener to detach');
  });

  it('weightChanges for a forbidden namespace is an error response; without a token, 401', async (t) => {
    const { yoga, store } = await tokenSetup(t);
    const forbidden = await subscribe(t, yoga, CHANGES, { token: CI, variables: { namespace: 'prod' } });
    const first = await forbidden.next();
    assert.equal(first.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
    const anonymous = await subscribe(t, yoga, CHANGES);
    assert.equal(anonymous.status, 401);
    assert.equal((await anonymous.next()).errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED');
    assert.equal(store.listeners, 0, 'no listener was attached for refused subscriptions');
  });
});
