import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScrapeTarget } from '../../collect/index.js';
import { createLinkerdAdapter } from '../../mesh/index.js';
import { TrafficWindow } from '../../window/index.js';
import { ScrapeEngine } from '../../ingest/index.js';
import { NamespaceAccess } from '../auth/index.js';
import type { Authorizer } from '../auth/index.js';
import { createMetricsRegistry } from '../metrics/index.js';
import { createGraphQL } from './create-graphql.js';
import { post, setup } from '../../../test/helpers/graphql-context.js';

const PAGE = `# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1700000000\n`;

/** Access to `shop` only, as a token limited to one namespace gets. */
const shopOnly: Authorizer = {
  mode: 'token',
  authenticate: () => Promise.resolve({ ok: true, principal: { name: 'shop-reader', groups: [] } }),
  allowedNamespaces: () => Promise.resolve(new Set(['shop'])),
  mayReadMetrics: () => Promise.resolve(false),
};

describe('scrapeTargets and splitstat_scrape_target_down: each proxy and its last scrape', () => {
  let server: Server;
  let base: string;
  let engine: ScrapeEngine;

  before(async () => {
    server = createServer((request, response) => {
      if (request.url === '/good') response.end(PAGE);
      else response.writeHead(500).end('boom');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const targets: ScrapeTarget[] = [
      { url: `${base}/good`, namespace: 'shop', pod: 'frontend-1', workload: { kind: 'deployment', name: 'frontend' } },
      { url: `${base}/bad`, namespace: 'shop', pod: 'frontend-2' },
      { url: `${base}/bad`, namespace: 'ops', pod: 'batch-1' },
    ];
    const mesh = createLinkerdAdapter();
    engine = new ScrapeEngine({ targets: { targets: () => targets }, mesh, window: new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs }), scrape: { timeoutMs: 2000 } });
    await engine.runCycle();
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const QUERY = `{ scrapeTargets { namespace pod workload url up reason lastError lastScrapeDurationMs lastScrape } }`;

  it('lists every target, sorted, with why the down ones failed', async () => {
    const { yoga } = setup();
    const { yoga: served } = setupWith(engine);
    const response = await post(served, QUERY);
    assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
    const rows = response.body.data?.scrapeTargets as Record<string, unknown>[];
    assert.deepEqual(
      rows.map((row) => [row.namespace, row.pod, row.workload, row.up, row.reason, row.lastError]),
      [
        ['ops', 'batch-1', null, false, 'http-status', 'HTTP 500 Internal Server Error'],
        ['shop', 'frontend-1', 'deployment/frontend', true, null, null],
        ['shop', 'frontend-2', null, false, 'http-status', 'HTTP 500 Internal Server Error'],
      ],
    );
    for (const row of rows) {
      assert.equal(typeof row.lastScrapeDurationMs, 'number');
      assert.ok(Number.isFinite(Date.parse(row.lastScrape as string)));
    }
    // Without an engine (prometheus mode) there is nothing to list.
    assert.deepEqual((await post(yoga, QUERY)).body.data?.scrapeTargets, []);
  });

  it('narrows by namespace and state, and shows only namespaces the caller may see', async () => {
    const { yoga } = setupWith(engine);
    const down = await post(yoga, `{ scrapeTargets(namespace: "shop", up: false) { pod } }`);
    assert.deepEqual(down.body.data?.scrapeTargets, [{ pod: 'frontend-2' }]);
    const limited = setupWith(engine, shopOnly).yoga;
    const visible = await post(limited, `{ scrapeTargets { namespace pod } }`);
    assert.deepEqual(
      (visible.body.data?.scrapeTargets as { namespace: string }[]).map((row) => row.namespace),
      ['shop', 'shop'],
    );
    const forbidden = await post(limited, `{ scrapeTargets(namespace: "ops") { pod } }`);
    assert.equal(forbidden.body.data, null);
    assert.equal(forbidden.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  it('names each down proxy in splitstat_scrape_target_down', async () => {
    const { ctx } = setupWith(engine);
    const text = await createMetricsRegistry(ctx, { collectDefaultMetrics: false }).metrics();
    const lines = text.split('\n').filter((line) => line.startsWith('splitstat_scrape_target_down{'));
    assert.deepEqual(lines, [
      'splitstat_scrape_target_down{namespace="ops",pod="batch-1",reason="http-status"} 1',
      'splitstat_scrape_target_down{namespace="shop",pod="frontend-2",reason="http-status"} 1',
    ]);
  });
});

/** The test service context with this engine, served with open access or the authorizer's. */
function setupWith(engine: ScrapeEngine, authorizer?: Authorizer) {
  const ctx = { ...setup().ctx, engine };
  const auth = authorizer === undefined ? undefined : () => Promise.resolve({ access: new NamespaceAccess({ name: 'reader', groups: [] }, authorizer) });
  return { ctx, yoga: createGraphQL(ctx, auth === undefined ? {} : { auth }) };
}
