// /metrics behind --metrics-auth, over real HTTP, mounted the way the server mounts it: guarded
// whenever access control is on (only a token allowed every namespace, or in kubernetes mode a
// user who may get the non-resource URL /metrics, reads it), open with --auth none or on purpose
// with --metrics-auth none. /healthz and /readyz never ask.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { RequestHandler } from 'express';
import { AuthUnavailableError, createAuth, createMetricsRegistry, healthHandler, metricsHandler } from '../../src/api/index.js';
import type { KubeReviews } from '../../src/api/index.js';
import { setup } from '../helpers/graphql-context.js';
import { writeTemp } from './helpers.js';

const ALL = 'prometheus-token-0123456789';
const SOME = 'team-token-0123456789abc';
const TOKENS = `tokens:
  - { name: prometheus, token: ${ALL}, namespaces: all }
  - { name: team, token: ${SOME}, namespaces: [default] }
`;

const servers: Server[] = [];

async function serve(guard: RequestHandler): Promise<string> {
  const { ctx } = setup();
  const app = express();
  app.get('/healthz', healthHandler);
  app.get('/metrics', guard, metricsHandler(createMetricsRegistry(ctx, { collectDefaultMetrics: false })));
  const server = await new Promise<Server>((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function get(url: string, token?: string): Promise<Response> {
  return fetch(url, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });
}

after(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('/metrics access', () => {
  it('open with --auth none, and with --metrics-auth none on purpose', async (t) => {
    const tokensFile = await writeTemp(t, 'tokens.yaml', TOKENS);
    for (const auth of [await createAuth({ mode: 'none' }), await createAuth({ mode: 'token', tokensFile, metricsAuth: 'none' })]) {
      assert.equal(auth.metricsProtected, false);
      const response = await get(`${await serve(auth.metricsGuard)}/metrics`);
      assert.equal(response.status, 200);
      assert.match(await response.text(), /^trafficsplit_info\{/m);
    }
  });

  it('guarded by default with --auth token: 401 without a valid token, 403 for a token limited to some namespaces, 200 for all', async (t) => {
    const tokensFile = await writeTemp(t, 'tokens.yaml', TOKENS);
    const auth = await createAuth({ mode: 'token', tokensFile });
    assert.equal(auth.metricsProtected, true);
    const url = await serve(auth.metricsGuard);
    const none = await get(`${url}/metrics`);
    assert.equal(none.status, 401);
    assert.equal(none.headers.get('cache-control'), null, 'mounted alone here; the server adds its headers (request-guards)');
    assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="splitstat"');
    assert.equal(await none.text(), 'missing bearer token\n');
    const wrong = await get(`${url}/metrics`, 'not-a-token');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('www-authenticate'), 'Bearer realm="splitstat", error="invalid_token"');
    const some = await get(`${url}/metrics`, SOME);
    assert.equal(some.status, 403);
    assert.match(await some.text(), /must be allowed all namespaces/);
    const all = await get(`${url}/metrics`, ALL);
    assert.equal(all.status, 200);
    assert.match(await all.text(), /^trafficsplit_backend_weight\{/m);
    assert.equal((await get(`${url}/healthz`)).status, 200, '/healthz stays open');
  });

  it('guarded by default with --auth kubernetes, as kube-rbac-proxy guards it: get on the non-resource URL /metrics; an API server outage is a 503', async () => {
    const asked: string[] = [];
    const reviews: KubeReviews = {
      reviewToken: (token) => Promise.resolve(token === 'prometheus-token' || token === 'admin-token' ? { username: token.replace('-token', ''), groups: [] } : null),
      // The admin may list TrafficSplits everywhere, but only Prometheus may get /metrics.
      canListTrafficSplits: (user) => Promise.resolve(user.username === 'admin'),
      canGetNonResourceUrl: (user, path) => {
        asked.push(`${user.username} ${path}`);
        return Promise.resolve(user.username === 'prometheus' && path === '/metrics');
      },
    };
    const url = await serve((await createAuth({ mode: 'kubernetes' }, { kubeReviews: reviews })).metricsGuard);
    assert.equal((await get(`${url}/metrics`, 'prometheus-token')).status, 200);
    assert.equal((await get(`${url}/metrics`, 'prometheus-token')).status, 200);
    const admin = await get(`${url}/metrics`, 'admin-token');
    assert.equal(admin.status, 403);
    assert.match(await admin.text(), /needs get on the non-resource URL \/metrics/);
    assert.equal((await get(`${url}/metrics`, 'other')).status, 401);
    assert.equal((await get(`${url}/metrics`)).status, 401);
    // Decisions are cached like the namespace ones.
    assert.deepEqual(asked, ['prometheus /metrics', 'admin /metrics']);

    const logged: string[] = [];
    const failing: KubeReviews = {
      reviewToken: () => Promise.reject(new AuthUnavailableError('creating tokenreviews: ECONNREFUSED')),
      canListTrafficSplits: () => Promise.resolve(true),
      canGetNonResourceUrl: () => Promise.resolve(true),
    };
    const failingUrl = await serve(
      (await createAuth({ mode: 'kubernetes' }, { kubeReviews: failing, log: (line) => void logged.push(line) })).metricsGuard,
    );
    const unavailable = await get(`${failingUrl}/metrics`, 'sa-token');
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.headers.get('retry-after'), '5');
    assert.match(await unavailable.text(), /^cannot check access right now/);
    assert.deepEqual(logged, ['/metrics access check failed: creating tokenreviews: ECONNREFUSED']);
  });
});
