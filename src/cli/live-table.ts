// A live `stat ts -A` table next to a running service (and `stat httproute -A` below it when
// there are HTTPRoute splits): one redraw per scrape cycle until Ctrl-C (or --exit-after),
// reading the same StatSource the service's GraphQL API answers from.
import type { Duration } from '../go/index.js';
import { flattenRows } from '../stats/index.js';
import type { ServeConfig } from '../app/index.js';
import { startService } from '../app/index.js';
import { untilStopped } from './signals.js';
import { renderStat } from './stat/index.js';

export interface LiveTableOptions {
  readonly config: ServeConfig;
  readonly window: Duration;
  readonly exitAfterMs?: number | undefined;
  /** Line(s) above each table; gets the service's URL and the number of targets. */
  readonly describe: (url: string) => string;
  readonly out?: NodeJS.WriteStream;
}

const CLEAR_SCREEN = '\x1b[H\x1b[2J';

export async function runLiveTable(options: LiveTableOptions): Promise<void> {
  const out = options.out ?? process.stdout;
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const service = await startService(options.config, { log, fallbackToAnyPort: true });
  const draw = async (): Promise<void> => {
    const splits = service.ctx.store.list();
    const stats = await service.ctx.source.stats({ splits, window: options.window });
    const rowsOf = (kind: 'TrafficSplit' | 'HTTPRoute') => flattenRows(stats.filter((entry) => entry.split.kind === kind));
    const table = renderStat(rowsOf('TrafficSplit'), 'TrafficSplit', { output: 'table', allNamespaces: true });
    const routes = splits.some((split) => split.kind === 'HTTPRoute')
      ? renderStat(rowsOf('HTTPRoute'), 'HTTPRoute', { output: 'table', allNamespaces: true })
      : { stdout: '', stderr: '' };
    const routesText = routes.stdout === '' && routes.stderr === '' ? '' : `\nHTTPRoutes:\n${routes.stdout}${routes.stderr}`;
    out.write(`${out.isTTY ? CLEAR_SCREEN : ''}${options.describe(service.url)}\n\n${table.stdout}${table.stderr}${routesText}${out.isTTY ? '' : '\n'}`);
  };
  service.engine.onCycle(() => {
    draw().catch((error: unknown) => log(`splitstat: ${String(error)}`));
  });
  try {
    await untilStopped(options.exitAfterMs);
  } finally {
    await service.close();
  }
}
