// `splitstat demo`: the whole scrape path on one machine. A simulated Linkerd mesh serves real
// proxy pages on loopback and writes its TrafficSplits and targets as files; splitstat reads those
// files like any user's, scrapes the pages and redraws `stat ts`. With --splits and --targets it
// shows the same live table for real proxies instead.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { builtinScenario, DEMO_SCENARIO_YAML, loadScenarioFile, Simulator, writeSimulatedCluster } from '../sim/index.js';
import { checkWindow } from '../stats/index.js';
import type { DurationFlag } from './flags.js';
import { LIVE_RETENTION_MS, runLiveTable } from './live-table.js';

export interface DemoOptions {
  readonly scenarioFile?: string | undefined;
  readonly printScenario?: boolean;
  /** Real TrafficSplit manifests and proxies instead of the simulator (both or neither). */
  readonly splitsPath?: string | undefined;
  readonly targetsFile?: string | undefined;
  readonly clusterDomain?: string | undefined;
  readonly scrapeIntervalMs: number;
  readonly window: DurationFlag;
  readonly exitAfterMs?: number | undefined;
}

export async function runDemo(options: DemoOptions): Promise<number> {
  if (options.printScenario === true) {
    process.stdout.write(DEMO_SCENARIO_YAML);
    return 0;
  }
  const every = `scraped every ${options.scrapeIntervalMs / 1000}s, window ${options.window.text}. Ctrl-C stops.`;
  if (options.splitsPath !== undefined || options.targetsFile !== undefined) {
    if (options.splitsPath === undefined || options.targetsFile === undefined) throw new Error('--splits and --targets go together');
    if (options.scenarioFile !== undefined) throw new Error('--scenario simulates a mesh; it cannot be combined with --splits and --targets');
    await runLiveTable({
      ...options,
      splitsPath: options.splitsPath,
      targetsFile: options.targetsFile,
      describe: (targets) => `splitstat: ${targets} proxies from ${options.targetsFile}, ${every}`,
    });
    return 0;
  }

  checkWindow(options.window.ms, LIVE_RETENTION_MS);
  const scenario = options.scenarioFile === undefined ? builtinScenario() : await loadScenarioFile(options.scenarioFile);
  const sim = new Simulator({ scenario });
  await sim.start();
  const workspace = await mkdtemp(path.join(os.tmpdir(), 'splitstat-demo-'));
  try {
    const files = await writeSimulatedCluster(sim, workspace, (error) => process.stderr.write(`demo: cannot write manifests: ${String(error)}\n`));
    sim.run();
    await runLiveTable({
      ...options,
      splitsPath: files.splitsDir,
      targetsFile: files.targetsFile,
      clusterDomain: scenario.clusterDomain,
      describe: (targets) =>
        `splitstat demo: ${targets} simulated Linkerd proxies on loopback, ${every}\n` +
        `TrafficSplits: ${files.splitsDir}  targets: ${files.targetsFile}`,
    });
    await files.close();
  } finally {
    await sim.stop();
    await rm(workspace, { recursive: true, force: true });
  }
  return 0;
}
