// Subscription.trafficSplits: the Query.trafficSplits answer, again every interval, until the
// client goes away. The next tick is scheduled only after the previous answer was taken, so a
// slow reader slows the stream down instead of piling answers up in memory.
import type { GraphQLResolveInfo } from 'graphql';
import { Repeater } from 'graphql-yoga';
import { selectSplits } from '../../splits/index.js';
import type { AuthContext } from '../auth/index.js';
import type { ServiceContext } from '../context.js';
import { readInterval } from './arguments.js';
import { checkHistoryArguments } from './history-selection.js';
import { selectsStats } from './selects-stats.js';
import { readSplitQuery } from './split-query.js';
import type { TrafficSplitsArgs } from './split-query.js';
import type { AnswerBudgets } from './answer-budget.js';
import { viewSplits } from './split-views.js';
import type { SplitView } from './split-views.js';
import { timeoutError, withTimeout } from './timeout.js';

export interface TrafficSplitsSubscriptionArgs extends TrafficSplitsArgs {
  readonly interval?: string | null;
}

/** One tick's answer, or why it failed: a failed tick is one error event, not the end of the stream. */
export type TrafficSplitsTick = SplitView[] | Error;

export interface TrafficSplitsSubscriptionOptions {
  /** Bounds each tick, as the request timeout bounds a query. */
  readonly timeoutMs: number;
  /** Each tick is an answer of its own, with a budget of its own. */
  readonly budgets: AnswerBudgets;
}

export function subscribeTrafficSplits(ctx: ServiceContext, { timeoutMs, budgets }: TrafficSplitsSubscriptionOptions) {
  return {
    async subscribe(
      _root: unknown,
      args: TrafficSplitsSubscriptionArgs,
      { access }: AuthContext,
      info: GraphQLResolveInfo,
    ): Promise<Repeater<TrafficSplitsTick>> {
      // Checked here, so a bad argument is an error response instead of a stream of errors.
      const { filter, request } = readSplitQuery(args, ctx.info);
      const intervalMs = readInterval(args.interval, ctx.info);
      checkHistoryArguments(info, ctx.info);
      const needsStats = selectsStats(info);
      // Access, as for the query: a forbidden namespace by name is an error response.
      if (filter.namespace != null && filter.namespace !== '') await access.require(filter.namespace);

      return new Repeater<TrafficSplitsTick>(async (push, stop) => {
        let stopped = false;
        let timer: NodeJS.Timeout | undefined;
        const tick = async (): Promise<void> => {
          // Splits are selected afresh each tick: new, changed and deleted splits show up. So is
          // access (cached briefly): a namespace granted or revoked meanwhile shows up too.
          const budget = budgets();
          const answer = access
            .filter(selectSplits(ctx.store, filter))
            .then((splits) => viewSplits(ctx, splits, request, needsStats, budget))
            .then((views) => Promise.all(budget.paced(views).map((view) => Promise.resolve(view))));
          const payload = await withTimeout(answer, timeoutMs, () => timeoutError(timeoutMs)).catch((error: unknown) =>
            error instanceof Error ? error : new Error(String(error)),
          );
          if (stopped) return;
          await push(payload);
          if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
        };
        void tick();
        await stop;
        stopped = true;
        clearTimeout(timer);
      });
    },

    resolve(payload: TrafficSplitsTick): SplitView[] {
      if (payload instanceof Error) throw payload;
      payload[0]?.budget.restartClock();
      return payload;
    },
  };
}
