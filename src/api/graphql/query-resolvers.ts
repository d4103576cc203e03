// Query: the splits with their numbers, one split, and what this server can answer.
import type { GraphQLResolveInfo } from 'graphql';
import { formatDuration } from '../../go/index.js';
import { selectSplits, splitKey } from '../../splits/index.js';
import type { ServiceContext } from '../context.js';
import { readClientSelector, readSplitKind, readWindow } from './arguments.js';
import type { ClientSelectorInput } from './arguments.js';
import { checkHistoryArguments } from './history-selection.js';
import { selectsStats } from './selects-stats.js';
import { scrapeTargetsResolver } from './scrape-targets.js';
import { readSplitQuery } from './split-query.js';
import type { TrafficSplitsArgs } from './split-query.js';
import { viewSplits } from './split-views.js';
import type { SplitView } from './split-views.js';
import type { RequestContext } from './request-context.js';

interface TrafficSplitArgs {
  readonly namespace: string;
  readonly name: string;
  readonly kind?: string | null;
  readonly window?: string | null;
  readonly from?: ClientSelectorInput | null;
}

export interface ServerInfoView {
  readonly version: string;
  readonly source: string;
  readonly mesh: string;
  readonly minWindow: string;
  readonly maxWindow: string;
  readonly scrapeInterval: string;
  readonly targetGenerations: readonly { readonly generation: string; readonly targets: number }[];
}

export function queryResolvers(ctx: ServiceContext) {
  return {
    async trafficSplits(_root: unknown, args: TrafficSplitsArgs, { access, budget }: RequestContext, info: GraphQLResolveInfo): Promise<(SplitView | Promise<SplitView>)[]> {
      const { filter, request } = readSplitQuery(args, ctx.info);
      checkHistoryArguments(info, ctx.info);
      // Access: a namespace asked for by name must be allowed; a list keeps the allowed ones.
      if (filter.namespace != null && filter.namespace !== '') await access.require(filter.namespace);
      const splits = await access.filter(selectSplits(ctx.store, filter));
      return budget.paced(await viewSplits(ctx, splits, request, selectsStats(info), budget));
    },

    async trafficSplit(_root: unknown, args: TrafficSplitArgs, { access, budget }: RequestContext, info: GraphQLResolveInfo): Promise<SplitView | null> {
      // Arguments are checked even for a split that does not exist: a bad window is an error
      // whatever the cluster holds right now.
      const request = { window: readWindow(args.window, ctx.info), from: readClientSelector(args.from) };
      const kind = readSplitKind(args.kind);
      checkHistoryArguments(info, ctx.info);
      // Access, also before looking: whether a split exists in a forbidden namespace is not told.
      await access.require(args.namespace);
      // A TrafficSplit first when an HTTPRoute has the same name and no kind narrows the choice.
      const split = (kind === undefined || kind === 'TrafficSplit' ? ctx.store.get(splitKey(args.namespace, args.name)) : undefined) ??
        selectSplits(ctx.store, { namespace: args.namespace, names: [args.name], kind: kind ?? 'HTTPRoute' })[0];
      if (split === undefined) return null;
      const [view] = budget.paced(await viewSplits(ctx, [split], request, selectsStats(info), budget));
      return (await view) ?? null;
    },

    scrapeTargets: scrapeTargetsResolver(ctx),

    serverInfo(): ServerInfoView {
      const { version, source, mesh, minWindowMs, maxWindowMs, scrapeIntervalMs } = ctx.info;
      return {
        version,
        source,
        mesh,
        minWindow: formatDuration(minWindowMs),
        maxWindow: formatDuration(maxWindowMs),
        scrapeInterval: formatDuration(scrapeIntervalMs),
        targetGenerations: [...(ctx.engine?.targetsByGeneration() ?? [])].map(([generation, targets]) => ({ generation, targets })),
      };
    },
  };
}
