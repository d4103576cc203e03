// Targets whose counters are no counters, beside a good one, over real HTTP: a counter falling
// below zero, infinite or overflowing values, the same series twice in a page, label churn. Each costs only
// its own numbers: the good split stays exact, /metrics keeps answering (and promtool-valid),
// and what was refused is counted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ScrapeTarget } from '../../src/collect/index.js';
import { valueOf } from '../helpers/metrics-state.js';
import { checkoutLine as line, SplitBench } from '../helpers/split-bench.js';

/** Page n of each hostile target. */
const HOSTILE: Readonly<Record<string, (n: number) => string>> = {
  // A counter that keeps falling below zero.
  falling: (n) => line(String(-5 - n)),
  // Finite values whose sum would overflow.
  overflow: (n) => line(n % 2 === 0 ? '1e308' : '1.7e308'),
  // Infinities.
  infinite: (n) => line(n % 2 === 0 ? '+Inf' : '-Inf'),
  // The same series twice, 100 then 50, on every page.
  duplicate: () => `${line('100')}\n${line('50')}`,
  // Label churn: 120 new series on every page (a new dst_pod per request), to a Service no split has.
  churn: (n) =>
    Array.from(
      { length: 120 },
      (_, i) => `response_total{direction="outbound",authority="other.shop.svc.cluster.local:8080",dst_namespace="shop",dst_service="other",dst_pod="other-${n}-${i}",classification="success",tls="true"} 1`,
    ).join('\n'),
};
/** Series kept per target here: above the good proxy's page, reached by churn within a few pages. */
const MAX_SERIES = 300;

describe('hostile counters beside a good target', () => {
  let hostileTargets: ScrapeTarget[] = [];
  let bench: SplitBench | undefined;
  const server: Server = createServer((request, response) => {
    const name = (request.url ?? '').slice(1);
    response.end(`${HOSTILE[name]?.(bench?.page ?? 0) ?? ''}\n`);
  });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    hostileTargets = Object.keys(HOSTILE).map((name) => ({ url: `http://127.0.0.1:${port}/${name}`, namespace: 'shop', pod: name }));
    bench = await SplitBench.start({ hostileTargets: () => hostileTargets, scrape: { timeoutMs: 2000 }, maxSeriesPerTarget: MAX_SERIES });
  });
  after(async () => {
    await bench?.stop();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('keeps the good numbers exact, /metrics answering and valid, and counts what it refused', async () => {
    assert.ok(bench !== undefined);
    const { mark } = await bench.run(4);
    const samples = await bench.metrics();
    bench.assertSplitExact(samples, mark);
    // falling: 4 pages + its baseline; infinite and overflow (beyond 2^53): the same.
    assert.equal(valueOf(samples, 'splitstat_rejected_samples_total'), 15);
    assert.equal(valueOf(samples, 'splitstat_scrape_failures_total', { reason: 'duplicate-series' }), 5);
    // Churn: 120 kept at the baseline and on page 1, 60 more on page 2 (60 dropped), then every new one dropped.
    assert.equal(valueOf(samples, 'splitstat_dropped_series_total'), 60 + 120 * 2);
    const stats = await bench.t.ctx.source.stats({ splits: bench.t.store.list(), window: { text: '1m', ms: 60_000 } });
    for (const row of stats.flatMap((entry) => entry.rows)) assert.ok(row.stats === null || Number.isFinite(row.stats.rps), `${row.leaf} rps is finite`);
  });
});
