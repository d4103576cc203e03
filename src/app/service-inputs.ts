// Where `serve` gets splits (TrafficSplits, HTTPRoutes) and scrape targets: files, or the cluster (`kube`). Both kinds
// look the same to the service: start, stop, ready, problems, restarts.
import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeSplits, ManifestSplitSource, SPLIT_KINDS } from '../splits/index.js';
import type { ManifestProblem, SplitStore } from '../splits/index.js';
import { FileTargets, formatShard, inShard, loadKubeTargets } from '../collect/index.js';
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

/**
 * The Kubernetes client (about 80 MB resident) is loaded only for inputs from the cluster: `kube`
 * gives the service's KubeConfig, loading it on first call.
 */
export type KubeConfigLoader = () => Promise<KubeConfig>;

export async function splitInput(config: ServeConfig, store: SplitStore, kube: KubeConfigLoader, log: (line: string) => void): Promise<SplitInput> {
  if (config.splits === 'kube') return kubeSplitInput(config, store, await kube(), log);
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

/**
 * Every split kind from the cluster, one watch each. Ready once each kind has been listed or
 * found not served (a cluster without Gateway API has no HTTPRoutes to wait for), and at least
 * one kind has been listed. A kind whose API is not served is a problem only when no kind is.
 */
async function kubeSplitInput(config: ServeConfig, store: SplitStore, kubeConfig: KubeConfig, log: (line: string) => void): Promise<SplitInput> {
  const { KubeSplitSource } = await loadKubeSplits();
  const sources = SPLIT_KINDS.map(
    (kind) => new KubeSplitSource({ kubeConfig, store, kind, namespace: config.namespace, labelSelector: config.selector, log }),
  );
  const anyListed = (): boolean => sources.some((source) => source.ready);
  return {
    // Resolves with the first kind listed; the others keep trying in the background.
    start: () => Promise.any(sources.map((source) => source.start())).then(() => undefined),
    stop: () => Promise.all(sources.map((source) => source.stop())).then(() => undefined),
    get ready() {
      return anyListed() && sources.every((source) => source.ready || source.absent);
    },
    get restarts() {
      return sources.reduce((sum, source) => sum + source.restarts, 0);
    },
    problems: () => sources.filter((source) => !(source.absent && anyListed())).flatMap((source) => source.problems()),
    get description() {
      return `the cluster (${sources.map((source) => source.description).join(', ')})`;
    },
    waitsForCluster: true,
  };
}

export async function targetInput(config: ServeConfig, kube: KubeConfigLoader, log: (line: string, level?: 'info' | 'warn' | 'error') => void): Promise<TargetInput> {
  const file = config.targets;
  if (file === undefined) {
    // The prometheus source scrapes nothing itself.
    return { start: () => Promise.resolve(), stop: () => Promise.resolve(), ready: true, restarts: 0, targets: () => [], description: 'nothing', waitsForCluster: false };
  }
  if (file === 'kube') {
    const { KubePodTargets } = await loadKubeTargets();
    // --mesh auto discovers every sidecar splitstat reads; a named mesh only its own.
    // (mesh=envoy with kube discovery is refused by configuration.)
    const meshes = config.mesh === 'auto' || config.mesh === 'envoy' ? undefined : [config.mesh];
    const pods = new KubePodTargets({ kubeConfig: await kube(), namespace: config.namespace, adminPort: config.adminPort, meshes, log });
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
  const fromFile = new FileTargets(file, { log });
  return {
    start: () => fromFile.start(),
    stop: () => fromFile.stop(),
    get ready() {
      return fromFile.ready;
    },
    restarts: 0,
    targets: () => fromFile.targets(),
    get description() {
      return `${fromFile.targets().length} targets from ${file}`;
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
