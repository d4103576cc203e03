// The scrape path end to end over real HTTP: simulated Linkerd proxies → scraper → parser →
// Linkerd mapping → counter increases → window → StatRows, checked against the exact traffic the
// simulator generated. Time is virtual so every number can be compared exactly.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ScrapeTarget } from '../../src/collect/index.js';
import { parseScenarioText } from '../../src/sim/index.js';
import { startScrapeHarness } from '../helpers/scrape-harness.js';
import { assertRowsMatchTruth } from '../helpers/truth-rows.js';

const SCENARIO = `
seed: 7
splits:
  - namespace: shop
    name: checkout
    apiVersion: split.smi-spec.io/v1alpha2
    apex: checkout
    port: 8080
    backends:
      - { service: checkout-v1, weight: 80, pods: 3, successRate: 0.99, latency: { p50: 20ms, p99: 200ms } }
      - { service: checkout-v2, weight: 20, pods: 2, successRate: 0.9, latency: { p50: 35ms, p99: 900ms } }
  - namespace: link
    name: server
    apiVersion: split.smi-spec.io/v1alpha1
    apex: server
    backends:
      - { service: server-v1, weight: 950m, pods: 2, latency: { p50: 5ms, p99: 40ms } }
      - { service: server-v2, weight: 50m, pods: 1, successRate: 0.97, latency: { p50: 8ms, p99: 60ms } }
clients:
  - namespace: shop
    workload: deployment/frontend
    pods: 3
    calls:
      - { split: shop/checkout, rps: 15 }
  - namespace: link
    workload: deployment/slow-cooker
    pods: 2
    protocol: grpc
    calls:
      - { split: link/server, rps: 9 }
      - { split: shop/checkout, rps: 2 }
  - namespace: batch
    workload: job/loader
    pods: 1
    calls:
      - { split: link/server, rps: 4 }
schedule:
  - after: 25s
    split: link/server
    backends: { server-v1: 500m, server-v2: 500m }
`;


/** A simulator and a scrape engine sharing one virtual clock. */
function harness(options: { targets?: (all: ScrapeTarget[]) => ScrapeTarget[]; timeoutMs?: number; scenario?: string; log?: (line: string) => void } = {}) {
  return startScrapeHarness({ ...options, scenario: parseScenarioText(options.scenario ?? SCENARIO) });
}

describe('scrape path against the simulator ground truth', () => {
  const open: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const h of open) await h.close();
  });

  it('equals the ground truth for a window, through a weight change, for every split and backend', async () => {
    const h = await harness();
    open.push(h);
    await h.engine.runCycle(); // baseline
    const mark = h.sim.truth();
    for (let i = 0; i < 6; i++) await h.step();
    const truth = h.sim.truthSince(mark);
    const rows = await h.rows(60_000);
    assert.deepEqual(rows.map((row) => `${row.namespace}/${row.name}/${row.leaf}=${row.weight}`), [
      'link/server/server-v1=500m',
      'link/server/server-v2=500m',
      'shop/checkout/checkout-v1=80',
      'shop/checkout/checkout-v2=20',
    ]);
    assert.ok(rows.every((row) => row.stats !== null && row.stats.successCount > 0));
    assertRowsMatchTruth(rows, truth);
    // Latency sums (the histogram's _sum) are carried exactly too.
    for (const row of rows) {
      const sum = h.window.totals(60_000).edges.get(`${row.namespace}/${row.apex}/${row.leaf}`)?.latencySumMs;
      assert.equal(sum, truth.select({ namespace: row.namespace, split: row.name, leaf: row.leaf }).latencySumMs, `${row.leaf} latency sum`);
    }
    // A shorter window is the last intervals only.
    const lastTwo = await h.rows(20_000);
    assert.equal(lastTwo[0]?.stats?.windowSeconds, 20);
    assert.ok((lastTwo[0]?.stats?.successCount ?? 0) < (rows[0]?.stats?.successCount ?? 0));
  });

  it('filters by client workload (--from)', async () => {
    const h = await harness();
    open.push(h);
    await h.engine.runCycle();
    const mark = h.sim.truth();
    for (let i = 0; i < 3; i++) await h.step();
    const truth = h.sim.truthSince(mark);
    const rows = await h.rows(30_000, { namespace: 'link', kind: 'deployment', name: 'slow-cooker' });
    assertRowsMatchTruth(rows, truth, { filter: { clientNamespace: 'link', clientWorkload: 'deployment/slow-cooker' } });
    const none = await h.rows(30_000, { namespace: 'nowhere' });
    assert.ok(none.every((row) => row.stats === null));
  });

  it('counts across a proxy restart exactly', async () => {
    const h = await harness();
    open.push(h);
    await h.engine.runCycle();
    const mark = h.sim.truth();
    await h.step();
    await h.step();
    h.sim.resetCounters(h.sim.targets()[0]?.pod ?? '');
    await h.step();
    await h.step();
    assertRowsMatchTruth(await h.rows(40_000), h.sim.truthSince(mark));
  });

  it('loses nothing from a target that hangs for a while, and reports it down meanwhile', async () => {
    const h = await harness({ timeoutMs: 200 });
    open.push(h);
    await h.engine.runCycle();
    const mark = h.sim.truth();
    const pod = h.sim.targets()[1]?.pod ?? '';
    await h.step();
    h.sim.setPodHealth(pod, 'hang');
    await h.step();
    assert.equal(h.engine.lastReport?.failures.get('timeout'), 1);
    assert.equal(h.engine.targetStatuses().find((status) => status.target.pod === pod)?.up, false);
    // Everyone else is exact while it is down.
    const others = await h.rows(20_000, { namespace: 'link' });
    assertRowsMatchTruth(others, h.sim.truthSince(mark), { filter: { clientNamespace: 'link' } });
    h.sim.setPodHealth(pod, 'ok');
    await h.step();
    assertRowsMatchTruth(await h.rows(30_000), h.sim.truthSince(mark));
  });

  it('keeps good data when a target returns garbage or errors', async () => {
    const h = await harness();
    open.push(h);
    await h.engine.runCycle();
    const mark = h.sim.truth();
    const [garbage, failing] = h.sim.targets().map((target) => target.pod);
    h.sim.setPodHealth(garbage ?? '', 'garbage');
    h.sim.setPodHealth(failing ?? '', 'http500');
    await h.step();
    const report = h.engine.lastReport;
    assert.equal(report?.failures.get('http-status'), 1);
    assert.equal(report?.failures.get('parse'), 1);
    h.sim.setPodHealth(garbage ?? '', 'ok');
    h.sim.setPodHealth(failing ?? '', 'ok');
    await h.step();
    assertRowsMatchTruth(await h.rows(20_000), h.sim.truthSince(mark));
  });

  it('baselines a new target and forgets a vanished one without corrupting totals', async () => {
    let phase = 0;
    const h = await harness({
      // The batch job's pod is discovered late; the last frontend pod goes away later.
      targets: (all) => all.filter((target) => (phase === 0 ? target.namespace !== 'batch' : phase === 2 ? target.pod !== all.filter((t) => t.namespace === 'shop').pop()?.pod : true)),
    });
    open.push(h);
    await h.engine.runCycle();
    const markAll = h.sim.truth();
    await h.step();
    phase = 1;
    await h.step(); // batch pod's first scrape: a baseline
    const batchMark = h.sim.truth();
    await h.step();
    await h.step();
    const truth = h.sim.truthSince(markAll);
    const batchTruth = h.sim.truthSince(batchMark);
    assertRowsMatchTruth(await h.rows(40_000, { namespace: 'link' }), truth, { filter: { clientNamespace: 'link' } });
    // Its traffic before its first scrape is unknown; from then on it is exact.
    assertRowsMatchTruth(await h.rows(20_000, { namespace: 'batch' }), batchTruth, { filter: { clientNamespace: 'batch' } });
    phase = 2;
    const vanished = h.sim.targets().filter((t) => t.namespace === 'shop').pop()?.pod ?? '';
    const beforeVanish = h.sim.truth();
    await h.step();
    await h.step();
    const afterVanish = h.sim.truthSince(beforeVanish);
    const rows = await h.rows(20_000, { namespace: 'shop' });
    for (const row of rows.filter((r) => r.namespace === 'shop')) {
      const expected = afterVanish.select({ namespace: 'shop', leaf: row.leaf, clientNamespace: 'shop' }).total -
        afterVanish.select({ namespace: 'shop', leaf: row.leaf, clientPod: vanished }).total;
      assert.equal((row.stats?.successCount ?? 0) + (row.stats?.failureCount ?? 0), expected, `${row.leaf} without the vanished pod`);
    }
  });
});

/** The same cluster with every client on a given proxy, or each on its own. */
function withProxies(proxies: { frontend: string; slowCooker: string; loader: string }, apexPort = 8080): string {
  return SCENARIO.replace('workload: deployment/frontend\n', `workload: deployment/frontend\n    proxy: ${proxies.frontend}\n`)
    .replace('workload: deployment/slow-cooker\n', `workload: deployment/slow-cooker\n    proxy: ${proxies.slowCooker}\n`)
    .replace('workload: job/loader\n', `workload: job/loader\n    proxy: ${proxies.loader}\n`)
    .replace('apex: checkout\n    port: 8080', `apex: checkout\n    port: ${apexPort}`);
}

describe('scrape path against the ground truth, per Linkerd proxy generation', () => {
  const open: { close(): Promise<void> }[] = [];
  after(async () => {
    for (const h of open) await h.close();
  });

  async function run(scenario: string) {
    const h = await harness({ scenario });
    open.push(h);
    await h.engine.runCycle(); // baseline
    const mark = h.sim.truth();
    for (let i = 0; i < 6; i++) await h.step();
    return { h, truth: h.sim.truthSince(mark), rows: await h.rows(60_000) };
  }

  it('2.13+ proxies (authority = the leaf, :80 dropped): every count, rate, share and quantile equals the truth', async () => {
    const { h, truth, rows } = await run(withProxies({ frontend: 'stable-2.17', slowCooker: 'stable-2.17', loader: 'stable-2.17' }, 80));
    const page = h.sim.metricsText(h.sim.clientPods()[0]?.pod ?? '');
    assert.match(page, /authority="checkout-v[12]\.shop\.svc\.cluster\.local"/, 'the leaf, without :80');
    assert.equal(rows.length, 4);
    assert.ok(rows.every((row) => row.stats !== null && row.stats.successCount > 0));
    assertRowsMatchTruth(rows, truth);
    assert.deepEqual(Object.fromEntries(h.engine.targetsByGeneration()), { 'linkerd-2.12': 0, 'linkerd-2.13': 6, unknown: 0 });
    assert.ok(h.engine.targetStatuses().every((status) => status.generation === 'linkerd-2.13'));
  });

  it('a 2.13+ proxy that has sent nothing yet is unknown, not 2.12, and a restart does not make it flip', async () => {
    const logged: string[] = [];
    const h = await harness({ scenario: withProxies({ frontend: 'stable-2.17', slowCooker: 'stable-2.17', loader: 'stable-2.17' }), log: (line) => logged.push(line) });
    open.push(h);
    await h.engine.runCycle(); // nothing sent yet
    assert.deepEqual(Object.fromEntries(h.engine.targetsByGeneration()), { 'linkerd-2.12': 0, 'linkerd-2.13': 0, unknown: 6 });
    const mark = h.sim.truth();
    await h.step();
    assert.equal(h.engine.targetsByGeneration().get('linkerd-2.13'), 6);
    const pod = h.sim.targets()[0]?.pod ?? '';
    h.sim.resetCounters(pod);
    await h.engine.runCycle(); // the restarted proxy's first page: no traffic yet
    assert.equal(h.engine.targetsByGeneration().get('unknown'), 1);
    await h.step();
    await h.step();
    assert.equal(h.engine.targetsByGeneration().get('linkerd-2.13'), 6);
    assert.deepEqual(logged.filter((line) => line.includes('now read as')), []);
    assertRowsMatchTruth(await h.rows(30_000), h.sim.truthSince(mark));
  });

  it('a mixed cluster (2.17, 2.11 and 2.8 proxies calling the same splits) counts each request once', async () => {
    const { h, truth, rows } = await run(withProxies({ frontend: 'stable-2.17', slowCooker: 'stable-2.11', loader: 'stable-2.8' }));
    assert.ok(rows.every((row) => row.stats !== null && row.stats.successCount > 0));
    assertRowsMatchTruth(rows, truth);
    assert.deepEqual(Object.fromEntries(h.engine.targetsByGeneration()), { 'linkerd-2.12': 3, 'linkerd-2.13': 3, unknown: 0 });
    // Per client, too: each generation's own numbers are right, not only their sum.
    assertRowsMatchTruth(await h.rows(60_000, { namespace: 'shop', kind: 'deployment', name: 'frontend' }), truth, { filter: { clientNamespace: 'shop', clientWorkload: 'deployment/frontend' } });
    assertRowsMatchTruth(await h.rows(60_000, { namespace: 'link', kind: 'deployment', name: 'slow-cooker' }), truth, { filter: { clientNamespace: 'link', clientWorkload: 'deployment/slow-cooker' } });
  });

  it('2.13+: a leaf two called splits share is one series on the proxy, and each split gets all of its requests', async () => {
    const scenario = `
seed: 3
splits:
  - { namespace: shop, name: a, apex: a, backends: [{ service: shared, weight: 1 }, { service: a-v2, weight: 1 }] }
  - { namespace: shop, name: b, apex: b, backends: [{ service: shared, weight: 1 }] }
clients:
  - { namespace: shop, workload: deployment/client, proxy: stable-2.17, calls: [{ split: shop/a, rps: 20 }, { split: shop/b, rps: 10 }] }
`;
    const h = await harness({ scenario });
    open.push(h);
    await h.engine.runCycle();
    const mark = h.sim.truth();
    for (let i = 0; i < 3; i++) await h.step();
    const truth = h.sim.truthSince(mark);
    const page = h.sim.metricsText(h.sim.clientPods()[0]?.pod ?? '');
    const sharedLines = page.split('\n').filter((line) => line.startsWith('response_total{') && line.includes('dst_service="shared"'));
    assert.equal(new Set(sharedLines.map((line) => line.slice(0, line.lastIndexOf(' ')))).size, sharedLines.length, 'no label set twice on the page');
    const rows = await h.rows(30_000);
    const count = (split: string, leaf: string) => rows.find((row) => row.name === split && row.leaf === leaf)?.stats?.successCount;
    const sharedTotal = truth.select({ namespace: 'shop', leaf: 'shared' }).success;
    assert.ok(sharedTotal > truth.select({ namespace: 'shop', split: 'a', leaf: 'shared' }).success);
    assert.equal(count('a', 'shared'), sharedTotal);
    assert.equal(count('b', 'shared'), sharedTotal);
    assert.equal(count('a', 'a-v2'), truth.select({ namespace: 'shop', split: 'a', leaf: 'a-v2' }).success);
  });

  it('2.13+: a split whose apex no client calls gets none of a shared leaf (the clients’ balancers name the apexes they call)', async () => {
    // No schedule: the simulator would put its own splits back in the store at each step.
    const scenario = withProxies({ frontend: 'stable-2.17', slowCooker: 'stable-2.17', loader: 'stable-2.17' }).replace(/\nschedule:[\s\S]*$/, '\n');
    const h = await harness({ scenario });
    open.push(h);
    // A second split in shop that also lists checkout-v2 (nobody calls its apex).
    h.store.upsert({ ...(h.store.get('shop/checkout') ?? assert.fail('checkout split')), key: 'shop/checkout-shadow', name: 'checkout-shadow', apex: 'checkout-shadow' });
    await h.engine.runCycle();
    const mark = h.sim.truth();
    for (let i = 0; i < 3; i++) await h.step();
    const truth = h.sim.truthSince(mark);
    const rows = await h.rows(30_000);
    const shadow = rows.filter((row) => row.name === 'checkout-shadow');
    const real = rows.filter((row) => row.name === 'checkout');
    assert.equal(shadow.length, 2);
    assert.ok(shadow.every((row) => row.stats === null));
    assert.equal(real[0]?.stats?.successCount, truth.select({ namespace: 'shop', split: 'checkout', leaf: 'checkout-v1' }).success);
    assertRowsMatchTruth(real, truth);
  });
});
