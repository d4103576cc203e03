// /metrics behind --metrics-auth, over real HTTP, mounted the way the server mounts it:
// open by default (Prometheus and the kubelet scrape without tokens), or only for a token
// allowed every namespace. /healthz and /readyz never ask.
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
  it('open by default, even with --auth token', async (t) => {
    const tokensFile = await writeTemp(t, 'tokens.yaml', TOKENS);
    const url = await serve((await createAuth({ mode: 'token', tokensFile })).metricsGuard);
    const response = await get(`${url}/metrics`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /^trafficsplit_info\{/m);
  });

  it('--metrics-auth token: 401 without a valid token, 403 for a token limited to some namespaces, 200 for all', async (t) => {
    const tokensFile = await writeTemp(t, 'tokens.yaml', TOKENS);
    const url = await serve((await createAuth({ mode: 'token', tokensFile, metricsAuth: 'token' })).metricsGuard);
    const none = await get(`${url}/metrics`);
    assert.equal(none.status, 401);
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

  it('--auth kubernetes --metrics-auth token: cluster-wide list of trafficsplits needed; an API server outage is a 503', async () => {
    const reviews: KubeReviews = {
      reviewToken: (token) => Promise.resolve(token === 'sa-token' ? { username: 'system:serviceaccount:monitoring:prometheus', groups: [] } : null),
      // Allowed cluster-wide only.
      canListTrafficSplits: (_user, namespace) => Promise.resolve(namespace === undefined),
    };
    const url = await serve((await createAuth({ mode: 'kubernetes', metricsAuth: 'token' }, { kubeReviews: reviews })).metricsGuard);
    assert.equal((await get(`${url}/metrics`, 'sa-token')).status, 200);
    assert.equal((await get(`${url}/metrics`, 'other')).status, 401);

    const logged: string[] = [];
    const failing: KubeReviews = {
      reviewToken: () => Promise.reject(new AuthUnavailableError('creating tokenreviews: ECONNREFUSED')),
      canListTrafficSplits: () => Promise.resolve(true),
    };
    const failingUrl = await serve(
      (await createAuth({ mode: 'kubernetes', metricsAuth: 'token' }, { kubeReviews: failing, log: (line) => void logged.push(line) })).metricsGuard,
    );
    const unavailable = await get(`${failingUrl}/metrics`, 'sa-token');
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.headers.get('retry-after'), '5');
    assert.match(await unavailable.text(), /^cannot check access right now/);
    assert.deepEqual(logged, ['/metrics access check failed: creating tokenreviews: ECONNREFUSED']);
  });
});
