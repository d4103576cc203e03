// splitstat's own health, from the service context: which splits are broken and why, whether the
// split source has trouble, Kubernetes watch restarts, and which build is running.
import type { Registry } from 'prom-client';
import { isNoteCode, splitKindLabel } from '../../splits/index.js';
import type { SplitIssueCode } from '../../splits/index.js';
import type { ServiceContext } from '../context.js';
import { stateCounter, stateGauge } from './state-metrics.js';

export function registerSelfMetrics(registry: Registry, ctx: ServiceContext): void {
  stateGauge(registry, {
    name: 'splitstat_trafficsplits',
    help: 'Splits known (TrafficSplits and HTTPRoute splits), by validity: invalid ones have at least one issue that is not a note (see splitstat_trafficsplit_issues) and are still shown.',
    labelNames: ['validity'],
    collect(emit) {
      let invalid = 0;
      const splits = ctx.store.list();
      for (const split of splits) if (split.issues.some((issue) => !isNoteCode(issue.code))) invalid++;
      emit({ validity: 'valid' }, splits.length - invalid);
      emit({ validity: 'invalid' }, invalid);
    },
  });

  stateGauge(registry, {
    name: 'splitstat_trafficsplit_issues',
    help: 'Issues found in a split, by issue code and kind. Only splits with issues have series.',
    // `code` is a closed set of a few values and a split with issues is already a series of
    // trafficsplit_info, so this stays within the cardinality of the splits themselves.
    labelNames: ['namespace', 'trafficsplit', 'code', 'kind'],
    collect(emit) {
      for (const split of ctx.store.list()) {
        const byCode = new Map<SplitIssueCode, number>();
        for (const issue of ctx.store.issuesOf(split)) byCode.set(issue.code, (byCode.get(issue.code) ?? 0) + 1);
        const kind = splitKindLabel(split);
        for (const [code, count] of byCode) emit({ namespace: split.namespace, trafficsplit: split.name, code, kind }, count);
      }
    },
  });

  stateGauge(registry, {
    name: 'splitstat_split_source_problems',
    help: 'Problems the TrafficSplit source reports right now (e.g. manifest files that do not parse; their last good splits are kept).',
    labelNames: [],
    collect(emit) {
      emit({}, ctx.splitProblems().length);
    },
  });

  stateCounter(registry, {
    name: 'splitstat_kube_watch_restarts_total',
    help: 'Times the Kubernetes TrafficSplit watch had to be restarted (0 when splits do not come from a cluster).',
    labelNames: [],
    collect(emit) {
      emit({}, ctx.watchRestarts());
    },
  });

  stateCounter(registry, {
    name: 'splitstat_weight_changes_dropped_total',
    help: 'Weight changes not kept for history answers because a split changed more often than the limit (256 within the longest window); its newest changes are kept.',
    labelNames: [],
    collect(emit) {
      emit({}, ctx.weightHistory?.dropped ?? 0);
    },
  });

  stateGauge(registry, {
    name: 'splitstat_build_info',
    help: 'The running splitstat build: always 1, with its version as a label.',
    labelNames: ['version'],
    collect(emit) {
      emit({ version: ctx.info.version }, 1);
    },
  });
}
