// Scrape targets from the cluster: every meshed, running pod with an address, as
// `http://<podIP>:<adminPort>/metrics` (Linkerd) or `http://<podIP>:15020/stats/prometheus`
// (Istio; the port and path its injector announces), with its namespace, name and owning workload. Pods and
// ReplicaSets are listed and watched (ResilientInformer, the same machinery as the split
// source); targets() follows the cluster within one watch event. Used by `serve --targets kube`.
import { AppsV1Api, CoreV1Api } from '@kubernetes/client-node';
import type { KubeConfig, V1Pod, V1ReplicaSet } from '@kubernetes/client-node';
import { ResilientInformer } from '../../kube/index.js';
import type { BackoffOptions } from '../../kube/index.js';
import type { ScrapeTarget } from '../target.js';
import { DEFAULT_ADMIN_PORT, podMetricsUrl, readMeshedPod, SIDECAR_MESHES } from './meshed-pod.js';
import type { MeshedPod, SidecarMesh } from './meshed-pod.js';
import { controllerOf, resolveWorkload } from './owner.js';
import type { ReplicaSetOwner } from './owner.js';

export interface KubePodTargetsOptions {
  readonly kubeConfig: KubeConfig;
  /** Only pods of this namespace; all namespaces when unset. */
  readonly namespace?: string | undefined;
  /** Only pods with matching labels, applied by the API server. */
  readonly labelSelector?: string | undefined;
  /** The proxy's admin port, where it serves /metrics (Linkerd's default 4191). */
  readonly adminPort?: number | undefined;
  /** Which sidecars to scrape (default: every one discovery knows, meshed-pod.ts). */
  readonly meshes?: readonly SidecarMesh[] | undefined;
  readonly log?: ((line: string) => void) | undefined;
  readonly watchdogMs?: number | undefined;
  readonly backoff?: BackoffOptions | undefined;
  readonly watchTimeoutSeconds?: number | undefined;
  readonly healthyAfterMs?: number | undefined;
}

export class KubePodTargets {
  readonly #adminPort: number;
  readonly #meshes: readonly SidecarMesh[];
  readonly #pods = new Map<string, MeshedPod>();
  readonly #replicaSets = new Map<string, ReplicaSetOwner>();
  readonly #podInformer: ResilientInformer<V1Pod>;
  readonly #replicaSetInformer: ResilientInformer<V1ReplicaSet>;
  #targets: readonly ScrapeTarget[] = [];
  #dirty = false;

  constructor({ kubeConfig, namespace, labelSelector, adminPort = DEFAULT_ADMIN_PORT, meshes = SIDECAR_MESHES, log, watchdogMs, backoff, watchTimeoutSeconds, healthyAfterMs }: KubePodTargetsOptions) {
    this.#adminPort = adminPort;
    this.#meshes = meshes;
    const ns = namespace === '' ? undefined : namespace;
    const where = ns === undefined ? '' : `/namespaces/${encodeURIComponent(ns)}`;
    const scope = ns === undefined ? '' : ` in ${ns}`;
    const selector = labelSelector === '' ? undefined : labelSelector;
    const common = { kubeConfig, watchdogMs, backoff, watchTimeoutSeconds, healthyAfterMs, log };
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const apps = kubeConfig.makeApiClient(AppsV1Api);

    this.#podInformer = new ResilientInformer<V1Pod>({
      ...common,
      resource: 'pods',
      labelSelector: selector,
      resolve: () =>
        Promise.resolve({
          path: `/api/v1${where}/pods`,
          description: `pods (v1${scope})`,
          list: () =>
            ns === undefined ? core.listPodForAllNamespaces({ labelSelector: selector }) : core.listNamespacedPod({ namespace: ns, labelSelector: selector }),
        }),
      handlers: {
        onList: (pods) => this.#replacePods(pods),
        onUpsert: (pod) => this.#setPod(pod),
        onDelete: (pod) => this.#deletePod(objectKey(pod)),
      },
    });
    // ReplicaSets only to name a pod's Deployment; the pods' label selector does not apply to them.
    this.#replicaSetInformer = new ResilientInformer<V1ReplicaSet>({
      ...common,
      resource: 'replicasets',
      resolve: () =>
        Promise.resolve({
          path: `/apis/apps/v1${where}/replicasets`,
          description: `replicasets (apps/v1${scope})`,
          list: () => (ns === undefined ? apps.listReplicaSetForAllNamespaces() : apps.listNamespacedReplicaSet({ namespace: ns })),
        }),
      handlers: {
        onList: (replicaSets) => this.#replaceReplicaSets(replicaSets),
        onUpsert: (replicaSet) => this.#setReplicaSet(replicaSet),
        onDelete: (replicaSet) => this.#deleteReplicaSet(objectKey(replicaSet)),
      },
    });
  }

  /** The current targets, sorted by namespace and pod; the same array until something changes. */
  targets(): readonly ScrapeTarget[] {
    if (this.#dirty) {
      this.#targets = this.#buildTargets();
      this.#dirty = false;
    }
    return this.#targets;
  }

  get ready(): boolean {
    return this.#podInformer.ready && this.#replicaSetInformer.ready;
  }

  get restarts(): number {
    return this.#podInformer.restarts + this.#replicaSetInformer.restarts;
  }

  /** Why the targets may be stale right now, if they may. */
  problems(): string[] {
    return [this.#podInformer.problem, this.#replicaSetInformer.problem].filter((problem): problem is string => problem !== undefined);
  }

  /** Resolves once pods and ReplicaSets have both been listed; failures are retried, never thrown. */
  async start(): Promise<void> {
    await Promise.all([this.#podInformer.start(), this.#replicaSetInformer.start()]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.#podInformer.stop(), this.#replicaSetInformer.stop()]);
  }

  #buildTargets(): ScrapeTarget[] {
    const lookup = (namespace: string, name: string) => this.#replicaSets.get(`${namespace}/${name}`);
    const targets: ScrapeTarget[] = [];
    for (const pod of this.#pods.values()) {
      if (!pod.scrapable || pod.ip === undefined) continue;
      targets.push({ url: podMetricsUrl({ ...pod, ip: pod.ip }, this.#adminPort), namespace: pod.namespace, pod: pod.name, workload: resolveWorkload(pod, lookup) });
    }
    return targets.sort((a, b) => compare(a.namespace, b.namespace) || compare(a.pod, b.pod));
  }

  #replacePods(pods: readonly V1Pod[]): void {
    this.#pods.clear();
    for (const pod of pods) {
      const meshed = readMeshedPod(pod, this.#meshes);
      if (meshed !== undefined) this.#pods.set(objectKey(pod), meshed);
    }
    this.#dirty = true;
  }

  #setPod(pod: V1Pod): void {
    const meshed = readMeshedPod(pod, this.#meshes);
    if (meshed === undefined) {
      this.#deletePod(objectKey(pod));
      return;
    }
    this.#pods.set(objectKey(pod), meshed);
    this.#dirty = true;
  }

  #deletePod(key: string): void {
    if (this.#pods.delete(key)) this.#dirty = true;
  }

  #replaceReplicaSets(replicaSets: readonly V1ReplicaSet[]): void {
    this.#replicaSets.clear();
    for (const replicaSet of replicaSets) this.#replicaSets.set(objectKey(replicaSet), ownerOf(replicaSet));
    this.#dirty = true;
  }

  #setReplicaSet(replicaSet: V1ReplicaSet): void {
    const key = objectKey(replicaSet);
    const next = ownerOf(replicaSet);
    const previous = this.#replicaSets.get(key);
    this.#replicaSets.set(key, next);
    // ReplicaSets change often (replica counts); only a new owner changes any target.
    if (previous === undefined || previous.owner?.kind !== next.owner?.kind || previous.owner?.name !== next.owner?.name) this.#dirty = true;
  }

  #deleteReplicaSet(key: string): void {
    if (this.#replicaSets.delete(key)) this.#dirty = true;
  }
}

function ownerOf(replicaSet: V1ReplicaSet): ReplicaSetOwner {
  return { owner: controllerOf(replicaSet.metadata?.ownerReferences ?? []) };
}

function objectKey(object: { metadata?: { namespace?: string; name?: string } }): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
