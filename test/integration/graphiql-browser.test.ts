// GraphiQL as a person uses it: a real Chromium opens the running service's /graphql, runs the
// query it offers, and sees split stats. It must load without reaching any other host.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { builtinScenario, Simulator, writeSimulatedCluster } from '../../src/sim/index.js';
import type { SimulatedClusterFiles } from '../../src/sim/index.js';
import { resolveServeConfig, startService } from '../../src/app/index.js';
import type { RunningService } from '../../src/app/index.js';
import { launchChromium, watchFaults } from '../helpers/chromium.js';

describe('GraphiQL in a browser', { timeout: 120_000 }, () => {
  let now = 1_750_000_000_000;
  let sim: Simulator;
  let dir: string;
  let files: SimulatedClusterFiles;
  let service: RunningService;
  let browser: Browser;

  before(async () => {
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
    browser = await launchChromium();
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
    // The server's Content-Security-Policy must leave everything GraphiQL does allowed.
    const { elsewhere, errors } = watchFaults(page, service.url);

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
