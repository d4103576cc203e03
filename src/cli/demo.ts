// `splitstat demo`: the whole scrape path on one machine. A simulated Linkerd mesh serves real
// proxy pages on loopback; splitstat scrapes them and redraws the `stat ts` table every cycle.
import { createLinkerdAdapter } from '../mesh/index.js';
import { builtinScenario, DEMO_SCENARIO_YAML, feedSimulatedSplits, loadScenarioFile, Simulator } from '../sim/index.js';
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
  const sim = new Simulator({ scenario });
  const store = new SplitStore();
  const mesh = createLinkerdAdapter({ clusterDomain: scenario.clusterDomain });
  const window = new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs, retentionMs: DEMO_RETENTION_MS });
  const apexFilter = splitApexFilter(store);
  const engine = new ScrapeEngine({
    targets: { targets: () => sim.targets() },
    mesh,
    window,
    keepEdge: apexFilter.keepEdge,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const source = new ScrapeStatSource({ window });

  await sim.start();
  const unfeed = feedSimulatedSplits(sim, store);
  sim.run();

  const draw = async (): Promise<void> => {
    const rows = await source.stats({ splits: store.list(), windowMs: options.window.ms });
    const table = renderStatTs(rows, { output: 'table', allNamespaces: true });
    const heading =
      `splitstat demo: ${sim.targets().length} simulated Linkerd proxies on loopback, scraped every ` +
      `${options.scrapeIntervalMs / 1000}s, window ${options.window.text}. Ctrl-C stops.\n\n`;
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
  unfeed();
  apexFilter.dispose();
  await sim.stop();
  return 0;
}
