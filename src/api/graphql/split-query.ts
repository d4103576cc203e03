// The arguments Query.trafficSplits and Subscription.trafficSplits share, checked once per
// request, before any numbers are fetched.
import type { SplitFilter } from '../../splits/index.js';
import type { ServerInfo } from '../context.js';
import { readClientSelector, readLabelSelector, readSplitKind, readWindow } from './arguments.js';
import type { ClientSelectorInput } from './arguments.js';
import type { StatsRequest } from './split-views.js';

export interface TrafficSplitsArgs {
  readonly namespace?: string | null;
  readonly names?: readonly string[] | null;
  readonly labelSelector?: string | null;
  readonly kind?: string | null;
  readonly window?: string | null;
  readonly from?: ClientSelectorInput | null;
}

export interface SplitQuery {
  readonly filter: SplitFilter;
  readonly request: StatsRequest;
}

export function readSplitQuery(args: TrafficSplitsArgs, info: ServerInfo): SplitQuery {
  return {
    filter: { namespace: args.namespace, names: args.names, selector: readLabelSelector(args.labelSelector), kind: readSplitKind(args.kind) },
    request: { window: readWindow(args.window, info), from: readClientSelector(args.from) },
  };
}
