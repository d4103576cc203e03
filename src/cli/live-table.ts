// A live `stat ts -A` table over the scrape path: TrafficSplits from manifest files, proxies from
// a static targets file, one redraw per scrape cycle until Ctrl-C (or --exit-after).
import { loadTargetsFile } from '../collect/targets-file.js';
import { createLinkerdAdapter } from '../mesh/index.js';
import { ManifestSplitSource } from '../splits/manifest-source.js';
import { SplitStore } from '../splits/store.js';
import { checkWindow, flattenRows, ScrapeEngine, ScrapeStatSource, splitApexFilter } from '../stats/index.js';
import { TrafficWindow } from '../window/traffic-window.js';
import type { DurationFlag } from './flags.js';
import { renderStatTs } from './stat-table.js';

export interface LiveTableOptions {
  readonly splitsPath: string;
  readonly targetsFile: string;
  readonly clusterDomain?: string | undefined;
  readonly scrapeIntervalMs: number;
  readonly window: DurationFlag;
  readonly exitAfterMs?: number | undefined;
  /** First line(s) above each table. */
  readonly describe: (targets: number) => string;
  readonly out?: NodeJS.WriteStream;
}

const CLEAR_SCREEN = '\x1b[H\x1b[2J';
export const LIVE_RETENTION_MS = 3_600_000;

export async function runLiveTable(options: LiveTableOptions): Promise<void> {
  const out = options.out ?? process.stdout;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  checkWindow(options.window.ms, LIVE_RETENTION_MS);
  const targets = await loadTargetsFile(options.targetsFile);
  const store = new SplitStore();
  const splitSource = new ManifestSplitSource({ path: options.splitsPath, store, log });
  await splitSource.start();
  const mesh = createLinkerdAdapter({ clusterDomain: options.clusterDomain });
  const window = new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs, retentionMs: LIVE_RETENTION_MS });
  const apexFilter = splitApexFilter(store);
  const engine = new ScrapeEngine({ targets: { targets: () => targets }, mesh, window, keepEdge: apexFilter.keepEdge, log });
  const source = new ScrapeStatSource({ window });

  const draw = async (): Promise<void> => {
    const rows = flattenRows(await source.stats({ splits: store.list(), windowMs: options.window.ms }));
    const table = renderStatTs(rows, { output: 'table', allNamespaces: true });
    const heading = `${options.describe(targets.length)}\n\n`;
    out.write(`${out.isTTY ? CLEAR_SCREEN : ''}${heading}${table.stdout}${table.stderr}${out.isTTY ? '' : '\n'}`);
  };
  engine.onCycle(() => {
    draw().catch((error: unknown) => log(`splitstat: ${String(error)}`));
  });
  engine.start(options.scrapeIntervalMs);

  await untilStopped(options.exitAfterMs);
  await engine.stop();
  await splitSource.stop();
  apexFilter.dispose();
}

/** Resolves on SIGINT, SIGTERM or after exitAfterMs, whichever comes first. */
function untilStopped(exitAfterMs: number | undefined): Promise<void> {
  return new Promise((resolve) => {
    const finish = (): void => {
      process.off('SIGINT', finish);
      process.off('SIGTERM', finish);
      clearTimeout(timer);
      resolve();
    };
    process.once('SIGINT', finish);
    process.once('SIGTERM', finish);
    const timer = exitAfterMs === undefined ? undefined : setTimeout(finish, exitAfterMs);
  });
}
