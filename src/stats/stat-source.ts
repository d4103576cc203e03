// The one question every output asks: numbers for these splits over this window.
import type { TrafficSplit } from '../splits/index.js';
import type { SourceSelector, StatWindow } from '../window/index.js';
import type { BackendStats, StatRow } from './stat-row.js';

export interface StatQuery {
  readonly splits: readonly TrafficSplit[];
  readonly window: StatWindow;
  /** Count only requests sent by these clients (`--from`). */
  readonly from?: SourceSelector | undefined;
  /** When the window ends, ms since the epoch (history); by default the newest data's end (latestMs). */
  readonly atMs?: number | undefined;
}

/** One split's numbers: per backend, and for the split as a whole. */
export interface SplitStats {
  readonly split: TrafficSplit;
  /** Every request sent to the apex in the window, whichever leaf served it; null without traffic. */
  readonly total: BackendStats | null;
  /** One row per backend, in the split's order. */
  readonly rows: readonly StatRow[];
}

export interface StatSource {
  /** One entry per split asked for, in the order of query.splits. */
  stats(query: StatQuery): Promise<SplitStats[]>;
  /**
   * Where a window without `atMs` ends: the newest scraped interval's end, or now for a
   * Prometheus; undefined while there is no data. A source without it is read as of now.
   */
  latestMs?(): number | undefined;
}

/** The rows of every split, in order: what `stat ts` prints. */
export function flattenRows(stats: readonly SplitStats[]): StatRow[] {
  return stats.flatMap((entry) => entry.rows);
}
