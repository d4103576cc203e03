// A split's numbers over time: the same question as stats(), asked for a window ending at each
// point of a range, so a history point is exactly what `stat ts` (or the trafficSplits query)
// would have answered with that window at that moment, on either source.
import type { SplitStats, StatQuery, StatSource } from './stat-source.js';

/** A series of windows: the newest ends at the source's latest data, one every `stepMs` before it. */
export interface HistoryShape {
  /** How far back the points go: floor(rangeMs / stepMs) points. */
  readonly rangeMs: number;
  readonly stepMs: number;
}

/** At most this many points per history: 1h at 15 s steps. */
export const MAX_HISTORY_POINTS = 240;

/** How many points a shape has. */
export function historyPointCount({ rangeMs, stepMs }: HistoryShape): number {
  return Math.floor(rangeMs / stepMs);
}

/** Where each point's window ends, oldest first, for a history whose newest point ends at `latestMs`. */
export function historyEnds(shape: HistoryShape, latestMs: number): number[] {
  const count = historyPointCount(shape);
  return Array.from({ length: count }, (_, i) => latestMs - (count - 1 - i) * shape.stepMs);
}

export interface HistoryPoint {
  /** The window's end, ms since the epoch. */
  readonly atMs: number;
  /** One entry per split asked for, in the order of query.splits (as StatSource.stats). */
  readonly stats: readonly SplitStats[];
}

/**
 * The splits' numbers at every point of the shape, oldest first; none while the source has no
 * data. Points are asked a few at a time, so a Prometheus sees a bounded number of queries.
 */
export interface HistoryOptions {
  /** Points asked at once (a Prometheus sees this many instants' queries in flight). */
  readonly concurrency?: number;
  readonly now?: () => number;
  /**
   * Awaited before each point: lets other work run between points (a scrape-mode point is
   * computed without waiting) and may reject to stop the rest (a deadline passed).
   */
  readonly beforePoint?: () => Promise<void>;
}

export async function statsHistory(source: StatSource, query: Omit<StatQuery, 'atMs'>, shape: HistoryShape, { concurrency = 4, now = Date.now, beforePoint }: HistoryOptions = {}): Promise<HistoryPoint[]> {
  const latest = source.latestMs === undefined ? now() : source.latestMs();
  if (latest === undefined || query.splits.length === 0) return [];
  const ends = historyEnds(shape, latest);
  const points: HistoryPoint[] = new Array<HistoryPoint>(ends.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < ends.length) {
      const index = next++;
      const atMs = ends[index] as number;
      await beforePoint?.();
      points[index] = { atMs, stats: await source.stats({ ...query, atMs }) };
    }
  };
  // The first failure stops every worker before its next point.
  const guarded = (): Promise<void> =>
    worker().catch((error: unknown) => {
      next = ends.length;
      throw error;
    });
  await Promise.all(Array.from({ length: Math.min(concurrency, ends.length) }, guarded));
  return points;
}
