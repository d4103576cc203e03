// The resolver map for schema/*.graphql. Resolvers close over the service context instead of
// reading it from the GraphQL context, so they are typed without casts; the one per-request
// thing they read from it is the caller's access (AuthContext), to show only allowed namespaces.
import type { ServiceContext } from '../context.js';
import type { AnswerBudgets } from './answer-budget.js';
import { readHistory } from './arguments.js';
import type { HistoryArgs } from './arguments.js';
import type { SplitHistoryView } from './history-view.js';
import type { SplitView } from './split-views.js';
import { queryResolvers } from './query-resolvers.js';
import { subscribeTrafficSplits } from './subscribe-traffic-splits.js';
import { subscribeWeightChanges } from './subscribe-weight-changes.js';
import { typeResolvers } from './type-resolvers.js';

export interface ResolverOptions {
  /** Bounds each tick of a trafficSplits subscription. */
  readonly timeoutMs: number;
  /** A budget for each subscription tick (queries take theirs from the request context). */
  readonly budgets: AnswerBudgets;
}

export function createResolvers(ctx: ServiceContext, { timeoutMs, budgets }: ResolverOptions) {
  return {
    Query: queryResolvers(ctx),
    Subscription: {
      trafficSplits: subscribeTrafficSplits(ctx, { timeoutMs, budgets }),
      weightChanges: subscribeWeightChanges(ctx),
    },
    ...typeResolvers,
    TrafficSplit: {
      ...typeResolvers.TrafficSplit,
      // Arguments are checked against what this server keeps (ctx.info), so this one is here.
      history: (view: SplitView, args: HistoryArgs): Promise<SplitHistoryView> => view.history(readHistory(args, ctx.info)),
    },
  };
}
