// `splitstat demo`: the whole scrape path on one machine. A simulated Linkerd mesh serves real
// proxy pages on loopback and writes its TrafficSplits and targets as files; splitstat reads those
// files like any user's (`--splits`, `--targets`), scrapes the pages and redraws `stat ts`.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadTargetsFile } from '../collect/targets-file.js';
import { createLinkerdAdapter } from '../mesh/index.js';
import { builtinScenario, DEMO_SCENARIO_YAML, loadScenarioFile, Simulator, writeSimulatedCluster } from '../sim/index.js';
import { ManifestSplitSource } from '../splits/manifest-source.js';
import { SplitStore } from '../splits/store.js';
import { checkWindow, ScrapeEngine, ScrapeStatSource, splitApexFilter } from '../stats/index.js';
import { TrafficWindow } from '../window/traffic-window.js';
import type { DurationFlag } from './flags.js';
import { renderStatTs } from './stat-table.js';

export interface DemoOptions {
  readonly scenarioFile?: string | undefined;
  readonly printScenario?: boolean;
  readonly scrapeIntervalMs: number;
  readonly window: DurationFlag;
  readonly exitAfterMs?: number | undefined;
  readonly out?: NodeJS.WriteStream;
}

const CLEAR_SCREEN = '\x1b[H\x1b[2J';
const DEMO_RETENTION_MS = 3_600_000;

export async function runDemo(options: DemoOptions): Promise<number> {
  const out = options.out ?? process.stdout;
  if (options.printScenario === true) {
    out.write(DEMO_SCENARIO_YAML);
    return 0;
  }
  checkWindow(options.window.ms, DEMO_RETENTION_MS);
  const scenario = options.scenarioFile === undefined ? builtinScenario() : await loadScenarioFile(options.scenarioFile);
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const sim = new Simulator({ scenario });
  await sim.start();
  const workspace = await mkdtemp(path.join(os.tmpdir(), 'splitstat-demo-'));
  const files = await writeSimulatedCluster(sim, workspace, (error) => log(`demo: cannot write manifests: ${String(error)}`));
  sim.run();

  const store = new SplitStore();
  const splitSource = new ManifestSplitSource({ path: files.splitsDir, store, log });
  await splitSource.start();
  const targets = await loadTargetsFile(files.targetsFile);
  const mesh = createLinkerdAdapter({ clusterDomain: scenario.clusterDomain });
  const window = new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs, retentionMs: DEMO_RETENTION_MS });
  const apexFilter = splitApexFilter(store);
  const engine = new ScrapeEngine({ targets: { targets: () => targets }, mesh, window, keepEdge: apexFilter.keepEdge, log });
  const source = new ScrapeStatSource({ window });

  const draw = async (): Promise<void> => {
    const rows = await source.stats({ splits: store.list(), windowMs: options.window.ms });
    const table = renderStatTs(rows, { output: 'table', allNamespaces: true });
    const heading =
      `splitstat demo: ${targets.length} simulated Linkerd proxies on loopback, scraped every ` +
      `${options.scrapeIntervalMs / 1000}s, window ${options.window.text}. Ctrl-C stops.\n` +
      `TrafficSplits: ${files.splitsDir}  targets: ${files.targetsFile}\n\n`;
    out.write(`${out.isTTY ? CLEAR_SCREEN : ''}${heading}${table.stdout}${table.stderr}${out.isTTY ? '' : '\n'}`);
  };
  engine.onCycle(() => {
    draw().catch((error: unknown) => process.stderr.write(`demo: ${String(error)}\n`));
  });
  engine.start(options.scrapeIntervalMs);

  await new Promise<void>((resolve) => {
    const finish = (): void => {
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      clearTimeout(timer);
      resolve();
    };
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    const timer = options.exitAfterMs === undefined ? undefined : setTimeout(finish, options.exitAfterMs);
  });

  await engine.stop();
  await splitSource.stop();
  apexFilter.dispose();
  await files.close();
  await sim.stop();
  await rm(workspace, { recursive: true, force: true });
  return 0;
}
