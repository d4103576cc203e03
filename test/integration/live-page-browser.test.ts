// The live page as a person uses it: a real Chromium opens the running service's `/`, sees the
// demo's splits with the numbers GraphQL gives, watches a scheduled weight change move the bars
// and the chart, and, on a server with --auth token, is asked for a token and shown only the
// namespaces that token may see. Nothing may load from another host, and the page's strict
// Content-Security-Policy must hold (a violation is a console error, which fails the test).
// Screenshots are kept in artifacts/screenshots/ (SPLITSTAT_SCREENSHOT_DIR to change).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { formatGoFixed } from '../../src/go/index.js';
import { builtinScenario, Simulator, writeSimulatedCluster } from '../../src/sim/index.js';
import type { SimulatedClusterFiles } from '../../src/sim/index.js';
import { resolveServeConfig, startService } from '../../src/app/index.js';
import type { RunningService } from '../../src/app/index.js';
import { runCli } from '../../src/cli/index.js';
import { launchChromium, watchFaults } from '../helpers/chromium.js';

const SCREENSHOTS = process.env.SPLITSTAT_SCREENSHOT_DIR ?? path.join(import.meta.dirname, '../../artifacts/screenshots');
const DEFAULT_ONLY = 'default-team-token-0123456789';
const DEMO_SPLITS = ['default/backend-service', 'default/web-route', 'link/server', 'shop/checkout'];

async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });
}

/** The splits the page shows, as namespace/name. */
async function shownSplits(page: Page): Promise<string[]> {
  return page.locator('section.split').evaluateAll((sections) => sections.map((section) => section.getAttribute('aria-label') ?? ''));
}

/** A cell of one backend's row in one split's table. */
function cell(page: Page, split: string, service: string, selector: string) {
  return page.locator(`section.split[aria-label="${split}"] tr[data-service="${service}"] ${selector}`);
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the live page in a browser', { timeout: 180_000 }, () => {
  let now = 1_750_000_000_000;
  let sim: Simulator;
  let dir: string;
  let files: SimulatedClusterFiles;
  let service: RunningService;
  let guarded: RunningService;
  let browser: Browser;

  const step = async (): Promise<void> => {
    sim.advance(10_000);
    now += 10_000;
    await service.engine.runCycle();
  };

  before(async () => {
    sim = new Simulator({ scenario: builtinScenario(), now: () => now });
    await sim.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-live-page-'));
    files = await writeSimulatedCluster(sim, dir);
    const tokensFile = path.join(dir, 'tokens.yaml');
    await writeFile(tokensFile, `tokens:\n  - { name: default-team, token: ${DEFAULT_ONLY}, namespaces: [default] }\n`);
    // A 1 s interval paces the page's subscription; the data's time is the virtual clock's.
    const flags = { listen: '127.0.0.1:0', splits: files.splitsDir, targets: files.targetsFile, scrapeInterval: '1s', scrapeTimeout: '1s' };
    service = await startService(resolveServeConfig({ flags }), { now: () => now, autoScrape: false });
    guarded = await startService(resolveServeConfig({ flags: { ...flags, auth: 'token', authTokensFile: tokensFile } }), { now: () => now, autoScrape: false });
    await service.engine.runCycle();
    await step();
    await step();
    await guarded.engine.runCycle();
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
    await service?.close();
    await guarded?.close();
    await files?.close();
    await sim?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('shows every split of the demo with the numbers GraphQL gives, loading nothing from elsewhere', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const faults = watchFaults(page, service.url);
    await page.goto(`${service.url}/`, { timeout: 30_000 });
    await page.locator('section.split').nth(3).waitFor({ timeout: 30_000 });
    assert.deepEqual(await shownSplits(page), DEMO_SPLITS);

    // The walkthrough's split: configured 90/10, and the observed shares GraphQL reports, rounded
    // as `stat ts` rounds (Go's %.1f: a tie to even).
    const answer = (await (
      await fetch(`${service.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ trafficSplit(namespace: "default", name: "backend-service") { backends { service observedRatio stats { rps } } } }' }),
      })
    ).json()) as { data: { trafficSplit: { backends: { service: string; observedRatio: number; stats: { rps: number } }[] } } };
    for (const [service_, configured] of [['backend-v1', '90.0%'], ['backend-v2', '10.0%']] as const) {
      const backend = answer.data.trafficSplit.backends.find((entry) => entry.service === service_);
      assert.ok(backend !== undefined);
      assert.equal(await cell(page, 'default/backend-service', service_, '.share.configured .value').innerText(), configured);
      assert.equal(await cell(page, 'default/backend-service', service_, '.share.observed .value').innerText(), `${formatGoFixed(backend.observedRatio * 100, 1)}%`);
      assert.equal(await cell(page, 'default/backend-service', service_, 'td.rps').innerText(), `${formatGoFixed(backend.stats.rps, 1)} rps`);
    }
    // `stat ts -o wide` prints the same shares, rates and success rates.
    let stdout = '';
    const code = await runCli(['node', 'splitstat', 'stat', 'ts', '-A', '-o', 'wide', '--server', service.url], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
      env: {},
    });
    assert.equal(code, 0);
    const wideRows = stdout.split('\n').slice(1).filter((line) => line.trim() !== '').map((line) => line.trim().split(/\s+/));
    assert.ok(wideRows.length >= 6, stdout);
    for (const [namespace, name, , leaf, , success, rps, p50, p95, p99, weightShare, observedShare] of wideRows) {
      const split = `${namespace ?? ''}/${name ?? ''}`;
      assert.equal(await cell(page, split, leaf ?? '', '.share.configured .value').innerText(), weightShare, `${split} ${leaf ?? ''} configured`);
      assert.equal(await cell(page, split, leaf ?? '', '.share.observed .value').innerText(), observedShare, `${split} ${leaf ?? ''} observed`);
      assert.equal(await cell(page, split, leaf ?? '', 'td.success').innerText(), success, `${split} ${leaf ?? ''} success`);
      assert.equal(`${(await cell(page, split, leaf ?? '', 'td.rps').innerText()).replace(' rps', '')}rps`, rps, `${split} ${leaf ?? ''} rps`);
      for (const [quantile, printed] of [['p50', p50], ['p95', p95], ['p99', p99]]) {
        assert.equal((await cell(page, split, leaf ?? '', `td.${quantile ?? ''}`).innerText()).replace(' ', ''), printed, `${split} ${leaf ?? ''} ${quantile ?? ''}`);
      }
    }
    // Each split has its chart.
    assert.equal(await page.locator('section.split .chart canvas').count(), 4);

    // The filter narrows by namespace, name or label, and says when nothing is left.
    await page.fill('#filter', 'link');
    assert.deepEqual(await page.locator('section.split:not([hidden])').evaluateAll((sections) => sections.map((section) => section.getAttribute('aria-label'))), ['link/server']);
    await page.fill('#filter', 'nothing-matches-this');
    assert.equal(await page.locator('#empty').isVisible(), true);
    await page.fill('#filter', '');

    assert.deepEqual(faults.elsewhere, [], 'the page loads nothing from other hosts');
    assert.deepEqual(faults.errors, []);
    await screenshot(page, 'live-page-demo.png');
    await page.close();
  });

  it('narrows the splits on the server with ?namespace= and ?labelSelector=, and says why a bad one shows nothing', async () => {
    const page = await browser.newPage();
    const faults = watchFaults(page, service.url);
    await page.goto(`${service.url}/?namespace=link`, { timeout: 30_000 });
    await page.locator('section.split').first().waitFor({ timeout: 30_000 });
    assert.deepEqual(await shownSplits(page), ['link/server']);
    await page.goto(`${service.url}/?labelSelector=${encodeURIComponent('not a selector!')}`, { timeout: 30_000 });
    await page.locator('#status', { hasText: 'labelSelector' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('section.split').count(), 0);
    assert.deepEqual(faults.errors, []);
    await page.close();
  });

  it('moves the bars and the chart when the scenario changes a weight', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const faults = watchFaults(page, service.url);
    await page.goto(`${service.url}/`, { timeout: 30_000 });
    const configured = cell(page, 'link/server', 'server-v2', '.share.configured .value');
    const observed = cell(page, 'link/server', 'server-v2', '.share.observed .value');
    await configured.waitFor({ timeout: 30_000 });
    assert.equal(await configured.innerText(), '5.0%');
    const chart = page.locator('section.split[aria-label="link/server"] .chart canvas');
    const chartBefore = await chart.screenshot();
    const observedBefore = await observed.innerText();

    // The schedule moves link/server to 50/50 at 30 s; the manifest is rewritten and re-read.
    await step();
    await waitFor('the new weights in the store', () => Promise.resolve(service.ctx.store.list().some((split) => split.name === 'server' && split.backends[1]?.weightString === '500m')));
    await step();
    await step();
    await waitFor('the configured bar to move', async () => (await configured.innerText()) === '50.0%');
    await waitFor('the observed share to move', async () => (await observed.innerText()) !== observedBefore);
    await waitFor('the chart to change', async () => !(await chart.screenshot()).equals(chartBefore));
    // The change is in the history the chart draws.
    const history = (await (
      await fetch(`${service.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ trafficSplit(namespace: "link", name: "server") { history { weightChanges { kind after { service weightRatio } } } } }' }),
      })
    ).json()) as { data: { trafficSplit: { history: { weightChanges: { kind: string; after: { service: string; weightRatio: number }[] }[] } } } };
    assert.deepEqual(
      history.data.trafficSplit.history.weightChanges.filter((change) => change.kind === 'updated').map((change) => change.after.map((backend) => backend.weightRatio)),
      [[0.5, 0.5]],
    );
    assert.deepEqual(faults.errors, []);
    await screenshot(page, 'live-page-weight-change.png');
    await page.close();
  });

  it('asks for a token when the server needs one, and shows only the namespaces it may see', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const faults = watchFaults(page, guarded.url);
    await page.goto(`${guarded.url}/`, { timeout: 30_000 });
    await page.locator('#token-form').waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await page.locator('section.split').count(), 0);
    await screenshot(page, 'live-page-token.png');

    await page.fill('#token', 'not-a-token-0123456789');
    await page.click('#token-form button');
    await page.locator('#token-error', { hasText: 'refused' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('section.split').count(), 0);

    await page.fill('#token', DEFAULT_ONLY);
    await page.click('#token-form button');
    await page.locator('section.split').nth(1).waitFor({ timeout: 30_000 });
    // Several updates later, still only `default`: the other namespaces never appear.
    for (let update = 0; update < 3; update++) {
      const status = await page.locator('#status').innerText();
      await waitFor('another update', async () => (await page.locator('#status').innerText()) !== status);
      assert.deepEqual(await shownSplits(page), ['default/backend-service', 'default/web-route']);
    }
    assert.equal(await page.locator('#token-form').isVisible(), false);
    // The token is never stored by the browser.
    assert.deepEqual(await page.context().cookies(), []);
    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0);
    assert.deepEqual(faults.elsewhere, []);
    assert.deepEqual(faults.errors, []);
    await page.close();
  });
});
