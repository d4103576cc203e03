// What the TrafficSplit and Backend resolvers read: a split plus a handle on its numbers. The
// numbers of every split in one answer come from a single StatSource call (one PromQL round
// trip in prometheus mode), made at most once and only if some field needs them.
import { GraphQLError } from 'graphql';
import type { SplitIssue, SplitStore, TrafficSplit } from '../../splits/index.js';
import { PrometheusError } from '../../promql/index.js';
import { StatWindowError } from '../../window/index.js';
import type { SourceSelector, StatWindow } from '../../window/index.js';
import type { SplitStats, StatSource } from '../../stats/index.js';
import { badUserInput } from './bad-user-input.js';

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

  async #fetch(): Promise<readonly SplitStats[]> {
    if (this.#splits.length === 0) return [];
    try {
      return await this.#source.stats({ splits: this.#splits, window: this.#request.window, from: this.#request.from });
    } catch (error) {
      // The window passed our own bounds but the source keeps less history than serverInfo
      // claims: still the caller's window that cannot be served, not an internal failure.
      if (error instanceof StatWindowError) throw badUserInput(`window "${this.#request.window.text}": ${error.message}`);
      // Prometheus down, slow or refusing is not a bug here: say so plainly (the message names the
      // Prometheus and what went wrong, never its credentials) instead of "Unexpected error.".
      if (error instanceof PrometheusError) throw new GraphQLError(error.message, { extensions: { code: 'PROMETHEUS_UNAVAILABLE', http: { status: 502 } } });
      throw error;
    }
  }
}

export interface SplitView {
  readonly split: TrafficSplit;
  /** The window as the client wrote it. */
  readonly window: string;
  /** The split's issues, those it has with other splits included (SplitStore.issuesOf). */
  readonly issues: () => readonly SplitIssue[];
  stats(): Promise<SplitStats>;
}

/**
 * Views of the splits over one shared batch. When the selection asks for numbers, they are fetched
 * here, so a failing source is one error on the list instead of one per split and backend.
 */
export async function viewSplits(
  source: StatSource,
  splits: readonly TrafficSplit[],
  request: StatsRequest,
  needsStats: boolean,
  store: Pick<SplitStore, 'issuesOf'>,
): Promise<SplitView[]> {
  const batch = new StatsBatch(source, splits, request);
  if (needsStats) await batch.all();
  return splits.map((split, index) => ({ split, window: request.window.text, issues: () => store.issuesOf(split), stats: () => batch.of(index) }));
}
