// GraphiQL as a person uses it: a real Chromium opens the running service's /graphql, runs the
// query it offers, and sees split stats. It must load without reaching any other host.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';
import { builtinScenario, Simulator, writeSimulatedCluster } from '../../src/sim/index.js';
import type { SimulatedClusterFiles } from '../../src/sim/index.js';
import { resolveServeConfig, startService } from '../../src/app/index.js';
import type { RunningService } from '../../src/app/index.js';

const CHROMIUM = '/usr/bin/chromium';
// The flags a sandboxed, offline machine needs: no sandbox as root, and no background calls home.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('GraphiQL in a browser', { timeout: 120_000 }, () => {
  let now = 1_750_000_000_000;
  let sim: Simulator;
  let dir: string;
  let files: SimulatedClusterFiles;
  let service: RunningService;
  let browser: Browser;

  before(async () => {
    // A missing browser is a failure, never a skip: CI installs Debian's chromium.
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is required (apt-get install chromium)`);
    sim = new Simulator({ scenario: builtinScenario(), now: () => now });
    await sim.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-browser-'));
    files = await writeSimulatedCluster(sim, dir);
    service = await startService(resolveServeConfig({ flags: { listen: '127.0.0.1:0', splits: files.splitsDir, targets: files.targetsFile } }), {
      now: () => now,
      autoScrape: false,
    });
    await service.engine.runCycle();
    for (let i = 0; i < 3; i++) {
      sim.advance(10_000);
      now += 10_000;
      await service.engine.runCycle();
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
  });

  after(async () => {
    await browser?.close();
    await service?.close();
    await files?.close();
    await sim?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('opens GraphiQL, runs the offered query and shows each backend’s stats', async () => {
    const page = await browser.newPage();
    const elsewhere: string[] = [];
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(service.url) && !url.startsWith('blob:') && !url.startsWith('data:')) elsewhere.push(url);
    });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // The server's Content-Security-Policy must leave everything GraphiQL does allowed.
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) errors.push(message.text());
    });

    await page.goto(`${service.url}/graphql`, { timeout: 30_000 });
    await page.locator('.graphiql-execute-button').click({ timeout: 30_000 });
    const response = page.locator('.result-window');
    await response.getByText('"successRate"').first().waitFor({ timeout: 30_000 });
    const text = (await response.innerText()).replace(/\s+/g, ' ');
    assert.match(text, /"name": "backend-service"/);
    assert.match(text, /"service": "backend-v1", "weight": "90", "weightRatio": 0\.9, "observedRatio": 0\.\d+, "stats": \{ "successRate": [01](\.\d+)?, "rps": \d/);
    assert.deepEqual(elsewhere, [], 'GraphiQL loads nothing from other hosts');
    assert.deepEqual(errors, []);
    if (process.env.SPLITSTAT_SCREENSHOT !== undefined) await page.screenshot({ path: process.env.SPLITSTAT_SCREENSHOT });
    await page.close();
  });
});
