import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Gauge, Registry } from 'prom-client';
import { metricsHandler } from './handler.js';
import { createMetricsRegistry } from './registry.js';
import { commitTraffic, split, testContext } from '../../../test/helpers/metrics-state.js';

describe('metricsHandler', () => {
  const t = testContext();
  t.store.upsert(split({ namespace: 'default', name: 'web', apex: 'web', backends: [{ service: 'web-v1', weight: 1 }] }));
  commitTraffic(t.window, 0, 10_000, [{ edge: { apexNamespace: 'default', apex: 'web', leaf: 'web-v1' }, success: 5, latencies: [[3, 5]] }]);
  const logged: string[] = [];
  const registry = createMetricsRegistry(t.ctx, { collectDefaultMetrics: false });
  let failing = false;
  const brokenRegistry = new Registry();
  new Gauge({
    name: 'always_failing',
    help: 'Throws while collecting.',
    registers: [brokenRegistry],
    collect() {
      throw new Error('state reader exploded');
    },
  });
  let server: Server;
  let base = '';

  before(async () => {
    const app = express();
    app.get('/metrics', metricsHandler(registry, { log: (line) => logged.push(line) }));
    app.get('/broken', metricsHandler(brokenRegistry, { log: (line) => logged.push(line) }));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A store that throws stands for any bug in a family's collection, gauge or histogram alike.
    const list = t.store.list.bind(t.store);
    t.store.list = () => {
      if (failing) throw new Error('store unavailable');
      return list();
    };
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const get = (path: string) => fetch(`${base}${path}`, { signal: AbortSignal.timeout(5000) });

  it('serves the registry in the Prometheus text format', async () => {
    const response = await get('/metrics');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), registry.contentType);
    assert.equal(await response.text(), await registry.metrics());
  });

  it('answers 500 with a short message when collecting fails, logs why, and keeps serving', async () => {
    const broken = await get('/broken');
    assert.equal(broken.status, 500);
    assert.equal(await broken.text(), 'collecting metrics failed\n');
    assert.match(logged.at(-1) ?? '', /state reader exploded/);

    failing = true;
    const down = await get('/metrics');
    assert.equal(down.status, 500);
    assert.equal(await down.text(), 'collecting metrics failed\n');
    assert.match(logged.at(-1) ?? '', /store unavailable/);

    failing = false;
    const back = await get('/metrics');
    assert.equal(back.status, 200);
    assert.match(await back.text(), /^trafficsplit_backend_responses_total\{namespace="default",trafficsplit="web",apex="web",backend="web-v1",kind="TrafficSplit",classification="success"\} 5$/m);
  });
});
