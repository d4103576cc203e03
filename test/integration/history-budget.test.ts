// --max-history-memory over a real service: the demo's simulated proxies scraped cycle after
// cycle until history holds the bound; then the oldest intervals go, the window covers less,
// /metrics counts it, and one warning says so. Time is virtual.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { builtinScenario, Simulator, writeSimulatedCluster } from '../../src/sim/index.js';
import type { SimulatedClusterFiles } from '../../src/sim/index.js';
import { resolveServeConfig, startService } from '../../src/app/index.js';
import type { RunningService } from '../../src/app/index.js';

const INTERVAL_MS = 10_000;
const BUDGET_BYTES = 64 * 1024;
/** Far more than the demo needs to fill 64 KiB of history (a few kB an interval). */
const MAX_CYCLES = 200;

function sampleValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('--max-history-memory: history bounded, the oldest dropped, counted and said', () => {
  let now = 1_750_000_000_000;
  let sim: Simulator;
  let dir: string;
  let files: SimulatedClusterFiles;
  let service: RunningService;
  const logs: string[] = [];
  let cycles = 0;

  before(async () => {
    sim = new Simulator({ scenario: builtinScenario(), now: () => now });
    await sim.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-history-'));
    files = await writeSimulatedCluster(sim, dir);
    const config = resolveServeConfig({ flags: { listen: '127.0.0.1:0', splits: files.splitsDir, targets: files.targetsFile, maxHistoryMemory: '64Ki' } });
    service = await startService(config, { now: () => now, autoScrape: false, log: (line, level) => void logs.push(`${level ?? 'info'}: ${line}`) });
    const window = service.ctx.window;
    assert.ok(window !== undefined);
    // Until a few cycles after the first drop, so that drops at the bound come more than once.
    let cyclesAfterDrop = 0;
    while (cycles < MAX_CYCLES && cyclesAfterDrop < 10) {
      sim.advance(INTERVAL_MS);
      now += INTERVAL_MS;
      await service.engine.runCycle();
      cycles++;
      if (window.droppedIntervalsTotal > 0) cyclesAfterDrop++;
    }
  });

  after(async () => {
    await service?.close();
    await files?.close();
    await sim?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('keeps history within the bound by dropping the oldest intervals', () => {
    const window = service.ctx.window;
    assert.ok(window !== undefined);
    assert.equal(window.maxHistoryBytes, BUDGET_BYTES);
    assert.ok(window.droppedIntervalsTotal > 0, `no interval dropped in ${cycles} cycles`);
    assert.ok(window.historyBytes <= BUDGET_BYTES, `${window.historyBytes} bytes kept`);
    // The window now covers less than the time scraped (cycles − 1 intervals after the baseline).
    const covered = window.totals(3_600_000).coveredMs;
    assert.ok(covered > 0 && covered < (cycles - 1) * INTERVAL_MS, `covered ${covered} ms of ${(cycles - 1) * INTERVAL_MS}`);
  });

  it('says so once, as a warning, though intervals keep being dropped', () => {
    const warnings = logs.filter((line) => line.includes('--max-history-memory'));
    assert.equal(warnings.length, 1, logs.join('\n'));
    assert.match(warnings[0] ?? '', /^warn: history holds --max-history-memory \(64 KiB\): its oldest intervals are dropped/);
  });

  it('exports the bytes kept, the bound and the intervals dropped on /metrics', async () => {
    const text = await (await fetch(`${service.url}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    const window = service.ctx.window;
    assert.ok(window !== undefined);
    assert.equal(sampleValue(text, 'splitstat_history_bytes{bound="max"}'), BUDGET_BYTES);
    assert.equal(sampleValue(text, 'splitstat_history_bytes{bound="used"}'), window.historyBytes);
    assert.equal(sampleValue(text, 'splitstat_history_dropped_intervals_total'), window.droppedIntervalsTotal);
  });
});
