// What the TrafficSplit and Backend resolvers read: a split plus a handle on its numbers. The
// numbers of every split in one answer come from a single StatSource call (one PromQL round
// trip in prometheus mode), made at most once and only if some field needs them.
import { GraphQLError } from 'graphql';
import type { SplitIssue, TrafficSplit } from '../../splits/index.js';
import { PrometheusError } from '../../promql/index.js';
import { StatWindowError } from '../../window/index.js';
import type { SourceSelector, StatWindow } from '../../window/index.js';
import { historyPointCount, statsHistory } from '../../stats/index.js';
import type { SplitStats, StatRow, StatSource } from '../../stats/index.js';
import type { ServiceContext } from '../context.js';
import type { AnswerBudget } from './answer-budget.js';
import type { HistoryRequest } from './arguments.js';
import { badUserInput } from './bad-user-input.js';
import { splitHistoryView } from './history-view.js';
import type { SplitHistoryView } from './history-view.js';

export interface StatsRequest {
  readonly window: StatWindow;
  readonly from?: SourceSelector | undefined;
}

/** The numbers of a fixed list of splits, fetched on first use and shared by every field. */
export class StatsBatch {
  readonly #source: StatSource;
  readonly #splits: readonly TrafficSplit[];
  readonly #request: StatsRequest;
  #result: Promise<readonly SplitStats[]> | undefined;
  /** Rows by leaf, per split: a backend finds its row without scanning a 10,000-row split. */
  readonly #rowsByLeaf = new Map<number, Map<string, StatRow>>();

  constructor(source: StatSource, splits: readonly TrafficSplit[], request: StatsRequest) {
    this.#source = source;
    this.#splits = splits;
    this.#request = request;
  }

  all(): Promise<readonly SplitStats[]> {
    this.#result ??= this.#fetch();
    return this.#result;
  }

  async of(index: number): Promise<SplitStats> {
    const stats = (await this.all())[index];
    if (stats === undefined || stats.split.key !== this.#splits[index]?.key) {
      throw new Error(`stat source answered out of order: no stats for split #${index} (${this.#splits[index]?.key ?? '?'})`);
    }
    return stats;
  }

  async rowOf(index: number, leaf: string): Promise<StatRow | undefined> {
    const stats = await this.of(index);
    let rows = this.#rowsByLeaf.get(index);
    if (rows === undefined) {
      rows = new Map(stats.rows.map((row) => [row.leaf, row]));
      this.#rowsByLeaf.set(index, rows);
    }
    return rows.get(leaf);
  }

  async #fetch(): Promise<readonly SplitStats[]> {
    if (this.#splits.length === 0) return [];
    return sourceErrors(this.#request.window, () => this.#source.stats({ splits: this.#splits, window: this.#request.window, from: this.#request.from }));
  }
}

/** What history needs besides the splits: the numbers, and the weights each point had. */
export type HistoryContext = Pick<ServiceContext, 'source' | 'weightHistory' | 'now'>;

/**
 * The histories of a fixed list of splits for one set of arguments: one StatSource call per point
 * for all of them. Counted against the answer's budget as that many answers of these splits, and
 * computed a point per turn of the event loop, stopping at the deadline.
 */
class HistoryBatch {
  readonly #result: Promise<readonly SplitHistoryView[]>;

  constructor(ctx: HistoryContext, current: readonly TrafficSplit[], request: StatsRequest, history: HistoryRequest, budget: AnswerBudget) {
    this.#result = sourceErrors(history.window, async () => {
      const splits = withFormerBackends(ctx, current, history);
      const items = splits.reduce((sum, split) => sum + 1 + split.backends.length, 0);
      budget.chargeHistory(historyPointCount(history), items);
      const points = await statsHistory(ctx.source, { splits, window: history.window, from: request.from }, history, { now: ctx.now, beforePoint: () => budget.turn() });
      const pace = <T>(items: readonly T[]): (T | Promise<T>)[] => budget.slices(items);
      return splits.map((split, index) => splitHistoryView(split, index, points, history, ctx.weightHistory, pace));
    });
  }

  async of(index: number): Promise<SplitHistoryView> {
    const view = (await this.#result)[index];
    if (view === undefined) throw new Error(`no history for split #${index}`);
    return view;
  }
}

/**
 * The splits with the backends they listed during the history's range and list no more (after
 * their current ones, without a weight of their own): a backend taken out of a split keeps its
 * past traffic in the history, instead of leaving a hole where its share was.
 */
function withFormerBackends(ctx: HistoryContext, splits: readonly TrafficSplit[], history: HistoryRequest): TrafficSplit[] {
  const weights = ctx.weightHistory;
  if (weights === undefined) return [...splits];
  const latest = (ctx.source.latestMs === undefined ? ctx.now() : ctx.source.latestMs()) ?? ctx.now();
  const from = latest - (historyPointCount(history) - 1) * history.stepMs - history.window.ms;
  return splits.map((split) => {
    const former = weights.formerBackends(split, from);
    if (former.length === 0) return split;
    return { ...split, backends: [...split.backends, ...former.map((service) => ({ service, weight: null, weightString: '', weightValue: null, weightRatio: null }))] };
  });
}

/** A stat source's failures as the caller should read them. */
async function sourceErrors<T>(window: StatWindow, ask: () => Promise<T>): Promise<T> {
  try {
    return await ask();
  } catch (error) {
    // The window passed our own bounds but the source keeps less history than serverInfo
    // claims: still the caller's window that cannot be served, not an internal failure.
    if (error instanceof StatWindowError) throw badUserInput(`window "${window.text}": ${error.message}`);
    // Prometheus down, slow or refusing is not a bug here: say so plainly (the message names the
    // Prometheus and what went wrong, never its credentials) instead of "Unexpected error.".
    if (error instanceof PrometheusError) throw new GraphQLError(error.message, { extensions: { code: 'PROMETHEUS_UNAVAILABLE', http: { status: 502 } } });
    throw error;
  }
}

export interface SplitView {
  readonly split: TrafficSplit;
  /** The window as the client wrote it. */
  readonly window: string;
  /** The split's issues, those it has with other splits included (SplitStore.issuesOf). */
  readonly issues: () => readonly SplitIssue[];
  /** What listing its backends may cost (shared by every split of the answer). */
  readonly budget: AnswerBudget;
  stats(): Promise<SplitStats>;
  row(leaf: string): Promise<StatRow | undefined>;
  /** Its numbers over time; splits of one answer asking the same history share its queries. */
  history(request: HistoryRequest): Promise<SplitHistoryView>;
}

/**
 * Views of the splits over one shared batch. When the selection asks for numbers, they are fetched
 * here, so a failing source is one error on the list instead of one per split and backend.
 */
export async function viewSplits(
  ctx: HistoryContext & Pick<ServiceContext, 'store'>,
  splits: readonly TrafficSplit[],
  request: StatsRequest,
  needsStats: boolean,
  budget: AnswerBudget,
): Promise<SplitView[]> {
  const batch = new StatsBatch(ctx.source, splits, request);
  const histories = new Map<string, HistoryBatch>();
  const historyOf = (history: HistoryRequest): HistoryBatch => {
    const key = JSON.stringify([history.rangeMs, history.stepMs, history.window.text]);
    let found = histories.get(key);
    if (found === undefined) {
      found = new HistoryBatch(ctx, splits, request, history, budget);
      histories.set(key, found);
    }
    return found;
  };
  if (needsStats) {
    // Computing numbers is the expensive step: other requests go first, and a late answer stops.
    await budget.turn();
    await batch.all();
  }
  return splits.map((split, index) => ({
    split,
    window: request.window.text,
    issues: () => ctx.store.issuesOf(split),
    budget,
    stats: () => batch.of(index),
    row: (leaf) => batch.rowOf(index, leaf),
    history: (history) => historyOf(history).of(index),
  }));
}
