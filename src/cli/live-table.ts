// A live `stat ts -A` table next to a running service: one redraw per scrape cycle until Ctrl-C
// (or --exit-after), reading the same StatSource the service's GraphQL API answers from.
import type { Duration } from '../go/index.js';
import { flattenRows } from '../stats/index.js';
import type { ServeConfig } from '../app/index.js';
import { startService } from '../app/index.js';
import { untilStopped } from './signals.js';
import { renderStatTs } from './stat/index.js';

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
    const stats = await service.ctx.source.stats({ splits: service.ctx.store.list(), window: options.window });
    const table = renderStatTs(flattenRows(stats), { output: 'table', allNamespaces: true });
    out.write(`${out.isTTY ? CLEAR_SCREEN : ''}${options.describe(service.url)}\n\n${table.stdout}${table.stderr}${out.isTTY ? '' : '\n'}`);
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
