// What each TrafficSplit says, as metrics: one info series per split and the configured weights
// per backend, so dashboards can put "configured" next to "observed".
import type { Registry } from 'prom-client';
import { splitKindLabel } from '../../splits/index.js';
import type { SplitStore } from '../../splits/index.js';
import { BACKEND_LABELS, backendLabels } from './labels.js';
import { stateGauge } from './state-metrics.js';

export function registerSplitFamilies(registry: Registry, store: SplitStore): void {
  stateGauge(registry, {
    name: 'trafficsplit_info',
    help: 'A split that exists (a TrafficSplit, or a weighted HTTPRoute per Service it is attached to): 1 per split, with its apex service, API version and kind.',
    labelNames: ['namespace', 'trafficsplit', 'apex', 'api_version', 'kind'],
    collect(emit) {
      for (const split of store.list()) {
        emit({ namespace: split.namespace, trafficsplit: split.name, apex: split.apex, api_version: split.apiVersion, kind: splitKindLabel(split) }, 1);
      }
    },
  });

  stateGauge(registry, {
    name: 'trafficsplit_backend_weight',
    help: 'Weight configured for the backend, as a number (900m is 0.9). Absent when the weight does not parse.',
    labelNames: BACKEND_LABELS,
    collect(emit) {
      for (const split of store.list()) {
        for (const backend of split.backends) {
          if (backend.weightValue !== null) emit(backendLabels(split, backend.service), backend.weightValue);
        }
      }
    },
  });

  stateGauge(registry, {
    name: 'trafficsplit_backend_weight_ratio',
    help: "The backend's configured share of the split: its weight over the sum of the split's weights, 0 to 1. Absent when no share can be computed.",
    labelNames: BACKEND_LABELS,
    collect(emit) {
      for (const split of store.list()) {
        for (const backend of split.backends) {
          if (backend.weightRatio !== null) emit(backendLabels(split, backend.service), backend.weightRatio);
        }
      }
    },
  });
}
