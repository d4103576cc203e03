// Where `serve` gets TrafficSplits and scrape targets: files, or the cluster (`kube`). Both kinds
// look the same to the service: start, stop, ready, problems, restarts.
import type { KubeConfig } from '@kubernetes/client-node';
import { KubeSplitSource, ManifestSplitSource } from '../splits/index.js';
import type { ManifestProblem, SplitStore } from '../splits/index.js';
import { formatShard, inShard, KubePodTargets, loadTargetsFile } from '../collect/index.js';
import type { ScrapeTarget } from '../collect/index.js';
import type { TargetProvider } from '../ingest/index.js';
import type { ServeConfig } from './serve-config.js';

export interface Input {
  /** Resolves once the first snapshot is in (files: loaded; cluster: listed). */
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly ready: boolean;
  /** Watch restarts so far (0 for files). */
  readonly restarts: number;
  /** Where the input comes from, for the start-up log line. */
  readonly description: string;
  /** Cluster inputs retry in the background; the service must not wait for them to listen. */
  readonly waitsForCluster: boolean;
}

export interface SplitInput extends Input {
  problems(): readonly ManifestProblem[];
}

export type TargetInput = Input & TargetProvider;

export function splitInput(config: ServeConfig, store: SplitStore, kube: () => KubeConfig, log: (line: string) => void): SplitInput {
  if (config.splits === 'kube') {
    const source = new KubeSplitSource({ kubeConfig: kube(), store, namespace: config.namespace, labelSelector: config.selector, log });
    return {
      start: () => source.start(),
      stop: () => source.stop(),
      get ready() {
        return source.ready;
      },
      get restarts() {
        return source.restarts;
      },
      problems: () => source.problems(),
      description: `the cluster (split.smi-spec.io ${source.servedVersion ?? 'discovering'})`,
      waitsForCluster: true,
    };
  }
  const source = new ManifestSplitSource({ path: config.splits, store, log });
  return {
    start: () => source.start(),
    stop: () => source.stop(),
    get ready() {
      return source.ready;
    },
    restarts: 0,
    problems: () => source.problems(),
    description: config.splits,
    waitsForCluster: false,
  };
}

export function targetInput(config: ServeConfig, kube: () => KubeConfig, log: (line: string) => void): TargetInput {
  const file = config.targets;
  if (file === undefined) {
    // The prometheus source scrapes nothing itself.
    return { start: () => Promise.resolve(), stop: () => Promise.resolve(), ready: true, restarts: 0, targets: () => [], description: 'nothing', waitsForCluster: false };
  }
  if (file === 'kube') {
    const pods = new KubePodTargets({ kubeConfig: kube(), namespace: config.namespace, adminPort: config.adminPort, log });
    return {
      start: () => pods.start(),
      stop: () => pods.stop(),
      get ready() {
        return pods.ready;
      },
      get restarts() {
        return pods.restarts;
      },
      targets: () => pods.targets(),
      description: 'meshed pods in the cluster',
      waitsForCluster: true,
    };
  }
  let targets: readonly ScrapeTarget[] = [];
  let loaded = false;
  return {
    async start() {
      targets = await loadTargetsFile(file);
      loaded = true;
    },
    stop: () => Promise.resolve(),
    get ready() {
      return loaded;
    },
    restarts: 0,
    targets: () => targets,
    get description() {
      return `${targets.length} targets from ${file}`;
    },
    waitsForCluster: false,
  };
}

/**
 * With `--shard i/N`, only this shard's targets (by namespace/pod, see collect/shard.ts). Applied
 * on every call, so targets discovered later are sharded too; readiness and the rest pass through.
 */
export function shardedTargetInput(input: TargetInput, config: Pick<ServeConfig, 'shard'>): TargetInput {
  const { shard } = config;
  if (shard === undefined) return input;
  return {
    start: () => input.start(),
    stop: () => input.stop(),
    get ready() {
      return input.ready;
    },
    get restarts() {
      return input.restarts;
    },
    targets: () => input.targets().filter((target) => inShard(target, shard)),
    get description() {
      return `shard ${formatShard(shard)} of ${input.description}`;
    },
    waitsForCluster: input.waitsForCluster,
  };
}
