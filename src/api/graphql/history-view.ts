// One split's history as the schema's SplitHistory: per point, the split's and each backend's
// numbers (the rows trafficSplits would have answered then) and the weights it was configured
// with then, plus the weight changes seen in the range.
import type { TrafficSplit, WeightChange, WeightHistory } from '../../splits/index.js';
import type { BackendStats, HistoryPoint } from '../../stats/index.js';
import type { HistoryRequest } from './arguments.js';

export interface HistoryStatsView extends BackendStats {
  readonly window: string;
}

export interface BackendPointView {
  readonly service: string;
  readonly weightRatio: number | null;
  readonly observedRatio: number | null;
  readonly stats: HistoryStatsView | null;
}

export interface SplitPointView {
  /** RFC 3339. */
  readonly at: string;
  readonly stats: HistoryStatsView | null;
  readonly backends: readonly BackendPointView[];
}

export interface SplitHistoryView {
  readonly range: string;
  readonly step: string;
  readonly window: string;
  /** Handed to GraphQL a slice per turn of the event loop (AnswerBudget.slices). */
  readonly points: readonly (SplitPointView | Promise<SplitPointView>)[];
  readonly weightChanges: readonly WeightChange[];
}

export function splitHistoryView(
  split: TrafficSplit,
  index: number,
  points: readonly HistoryPoint[],
  request: HistoryRequest,
  weights: WeightHistory | undefined,
  pace: <T>(items: readonly T[]) => (T | Promise<T>)[],
): SplitHistoryView {
  const window = request.window.text;
  const withWindow = (stats: BackendStats | null): HistoryStatsView | null => (stats === null ? null : { ...stats, window });
  const first = points[0];
  const last = points[points.length - 1];
  return {
    range: request.range,
    step: request.step,
    window,
    points: pace(points).map(async (pending) => {
      const { atMs, stats } = await pending;
      const entry = stats[index];
      const configured = weights?.weightRatiosAt(split, atMs);
      return {
        at: new Date(atMs).toISOString(),
        stats: withWindow(entry?.total ?? null),
        backends: (entry?.rows ?? []).map((row, position) => {
          const backend = split.backends[position];
          return {
            service: row.leaf,
            weightRatio: configured === undefined ? (backend?.weightRatio ?? null) : (configured.get(row.leaf) ?? null),
            observedRatio: row.observedRatio,
            stats: withWindow(row.stats),
          };
        }),
      };
    }),
    // From the oldest point's window start to the newest point's end.
    weightChanges: first === undefined || last === undefined || weights === undefined ? [] : weights.changesOf(split, first.atMs - request.window.ms, last.atMs),
  };
}
