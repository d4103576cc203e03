// TrafficSplit, Backend and Stats fields over a SplitView: configuration straight from the split,
// numbers from the view's shared batch (fetched at most once per answer).
import type { SplitBackend } from '../../splits/index.js';
import type { BackendStats, StatRow } from '../../stats/index.js';
import type { SplitView } from './split-views.js';

export interface BackendView {
  readonly view: SplitView;
  readonly backend: SplitBackend;
}

export interface StatsView extends BackendStats {
  readonly window: string;
}

export const typeResolvers = {
  TrafficSplit: {
    namespace: ({ split }: SplitView) => split.namespace,
    name: ({ split }: SplitView) => split.name,
    kind: ({ split }: SplitView) => split.kind,
    apiVersion: ({ split }: SplitView) => split.apiVersion,
    apex: ({ split }: SplitView) => split.apex,
    labels: ({ split }: SplitView) =>
      Object.entries(split.labels)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([name, value]) => ({ name, value })),
    // Paced: a split with 10,000 backends is completed a slice per turn of the event loop.
    backends: (view: SplitView): (BackendView | Promise<BackendView>)[] => view.budget.paced(view.split.backends.map((backend) => ({ view, backend }))),
    issues: (view: SplitView) => view.issues().map(({ code, message, backend }) => ({ code, message, backend: backend ?? null })),
    stats: async (view: SplitView): Promise<StatsView | null> => statsView((await view.stats()).total, view.window),
  },

  Backend: {
    service: ({ backend }: BackendView) => backend.service,
    weight: ({ backend }: BackendView) => backend.weightString,
    weightValue: ({ backend }: BackendView) => backend.weightValue,
    weightRatio: ({ backend }: BackendView) => backend.weightRatio,
    observedRatio: async (parent: BackendView): Promise<number | null> => (await rowOf(parent))?.observedRatio ?? null,
    stats: async (parent: BackendView): Promise<StatsView | null> => statsView((await rowOf(parent))?.stats ?? null, parent.view.window),
  },
};

function rowOf({ view, backend }: BackendView): Promise<StatRow | undefined> {
  return view.row(backend.service);
}

/** Null stays null: no traffic is never reported as zeros. */
function statsView(stats: BackendStats | null, window: string): StatsView | null {
  return stats === null ? null : { ...stats, window };
}
