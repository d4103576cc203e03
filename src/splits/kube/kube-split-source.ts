// Splits of one kind from the cluster (TrafficSplits by default): discovers which version of its
// API group the cluster serves, lists and watches it (ResilientInformer), normalises every object whatever its wire form and
// keeps the SplitStore equal to what the cluster holds. Used by `serve --splits kube`.
//
// An object that does not normalise is reported in problems() and left out; it never stops the
// watch and never touches the other splits. A relist (the first one, after a 410, after a
// restart) replaces the store's contents with the list, so splits deleted while the watch was
// down disappear too.
import { CustomObjectsApi } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { ResilientInformer } from '../../kube/index.js';
import type { BackoffOptions, InformerTarget } from '../../kube/index.js';
import type { ManifestProblem } from '../manifests.js';
import type { TrafficSplit } from '../model.js';
import { isOfKind, TRAFFIC_SPLIT } from '../kinds.js';
import type { SplitKind } from '../kinds.js';
import type { SplitStore } from '../store.js';
import { chooseSplitVersion, discoverResourceVersions } from './discovery.js';

export interface KubeSplitSourceOptions {
  readonly kubeConfig: KubeConfig;
  readonly store: SplitStore;
  /** Which kind of split to read; TrafficSplit by default. */
  readonly kind?: SplitKind | undefined;
  /** Only this namespace; all namespaces when unset. */
  readonly namespace?: string | undefined;
  /** Only splits with matching labels (`app=web,tier!=db`), applied by the API server. */
  readonly labelSelector?: string | undefined;
  readonly log?: ((line: string) => void) | undefined;
  /** Restart a watch that brought no event and no bookmark for this long. Default 5 min. */
  readonly watchdogMs?: number | undefined;
  readonly backoff?: BackoffOptions | undefined;
  /** Server-side watch timeout, at least this (default: half the watchdog); see ResilientInformer. */
  readonly watchTimeoutSeconds?: number | undefined;
  /** A stream that lasted this long counts as healthy (default 30 s). */
  readonly healthyAfterMs?: number | undefined;
}

export class KubeSplitSource {
  readonly #kubeConfig: KubeConfig;
  readonly #store: SplitStore;
  readonly #kind: SplitKind;
  readonly #namespace: string | undefined;
  readonly #labelSelector: string | undefined;
  readonly #log: (line: string) => void;
  readonly #api: CustomObjectsApi;
  readonly #informer: ResilientInformer<KubernetesObject>;
  /** Objects that did not normalise, by namespace/name. */
  readonly #objectProblems = new Map<string, ManifestProblem>();
  /** The store keys of the splits each object made, by namespace/name (an HTTPRoute makes one per parent). */
  readonly #splitKeys = new Map<string, readonly string[]>();
  #servedVersion: string | undefined;
  #absent = false;
  #reported = new Set<string>();

  constructor({ kubeConfig, store, kind = TRAFFIC_SPLIT, namespace, labelSelector, log, watchdogMs, backoff, watchTimeoutSeconds, healthyAfterMs }: KubeSplitSourceOptions) {
    this.#kubeConfig = kubeConfig;
    this.#store = store;
    this.#kind = kind;
    this.#namespace = namespace === '' ? undefined : namespace;
    this.#labelSelector = labelSelector === '' ? undefined : labelSelector;
    this.#log = log ?? (() => {});
    this.#api = kubeConfig.makeApiClient(CustomObjectsApi);
    this.#informer = new ResilientInformer<KubernetesObject>({
      resource: kind.plural,
      kubeConfig,
      resolve: () => this.#resolve(),
      handlers: {
        onList: (items) => this.#onList(items),
        onUpsert: (object) => this.#onUpsert(object),
        onDelete: (object) => this.#onDelete(object),
      },
      labelSelector: this.#labelSelector,
      watchdogMs,
      backoff,
      watchTimeoutSeconds,
      healthyAfterMs,
      log: this.#log,
    });
  }

  /** True once the first list reached the store. */
  get ready(): boolean {
    return this.#informer.ready;
  }

  /**
   * True when discovery last said the cluster does not serve this kind's API group: there is
   * nothing of the kind to wait for (it is still looked for, and read once it is installed).
   */
  get absent(): boolean {
    return this.#absent && !this.#informer.ready;
  }

  /** What this source reads, for log lines: `split.smi-spec.io/v1alpha2 trafficsplits`. */
  get description(): string {
    return `${this.#kind.group}/${this.#servedVersion ?? '(discovering)'} ${this.#kind.plural}`;
  }

  /** Watch restarts so far (splitstat_kube_watch_restarts_total). */
  get restarts(): number {
    return this.#informer.restarts;
  }

  /** The version of the kind's API group being watched, once discovered. */
  get servedVersion(): string | undefined {
    return this.#servedVersion;
  }

  /**
   * Resolves after the first successful list. Until then failures (no TrafficSplit CRD yet, no
   * permission, API server unreachable) are retried with backoff and shown by problems().
   */
  start(): Promise<void> {
    return this.#informer.start();
  }

  stop(): Promise<void> {
    return this.#informer.stop();
  }

  /** Objects that are not usable TrafficSplits, and why the cluster cannot be read right now. */
  problems(): ManifestProblem[] {
    const problems = [...this.#objectProblems.values()].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    const connection = this.#informer.problem;
    if (connection !== undefined) problems.push({ file: this.#kubeConfig.getCurrentCluster()?.server ?? 'Kubernetes API', message: connection });
    return problems;
  }

  async #resolve(): Promise<InformerTarget<KubernetesObject>> {
    const { group, plural, kind } = this.#kind;
    const served = await discoverResourceVersions(this.#kubeConfig, group, plural, this.#kind.versions);
    const version = served === undefined ? undefined : chooseSplitVersion(served, this.#kind.versions);
    this.#absent = served === undefined;
    if (served === undefined || version === undefined) {
      this.#servedVersion = undefined;
      throw new Error(`the cluster serves no ${plural} in the ${group} API (is the ${kind} CRD installed?)`);
    }
    if (version !== this.#servedVersion) {
      this.#log(`kube: watching ${group}/${version} ${plural} (served: ${served.versions.join(', ')})`);
    }
    this.#servedVersion = version;
    const namespace = this.#namespace;
    const where = namespace === undefined ? '' : `/namespaces/${encodeURIComponent(namespace)}`;
    const query = { group, version, plural, ...(this.#labelSelector === undefined ? {} : { labelSelector: this.#labelSelector }) };
    return {
      path: `/apis/${group}/${version}${where}/${plural}`,
      description: `${plural} (${group}/${version}${namespace === undefined ? '' : ` in ${namespace}`})`,
      list: async () => {
        // The custom objects API is untyped (`any`); the list's shape is checked before use.
        const body: unknown =
          namespace === undefined ? await this.#api.listClusterCustomObject(query) : await this.#api.listNamespacedCustomObject({ ...query, namespace });
        return asObjectList(body);
      },
    };
  }

  #onList(items: readonly KubernetesObject[]): void {
    this.#objectProblems.clear();
    this.#splitKeys.clear();
    const splits: TrafficSplit[] = [];
    for (const item of items) splits.push(...this.#normalize(item));
    this.#store.replaceAll(splits, (split) => isOfKind(split, this.#kind));
    this.#logNewProblems();
  }

  #onUpsert(object: KubernetesObject): void {
    const key = keyOf(object);
    const before = this.#splitKeys.get(key) ?? [];
    // An unusable object yields nothing: showing its previous version would be wrong.
    const splits = this.#normalize(object);
    const now = new Set(splits.map((split) => split.key));
    for (const stale of before) if (!now.has(stale)) this.#store.delete(stale);
    for (const split of splits) this.#store.upsert(split);
    this.#logNewProblems();
  }

  #onDelete(object: KubernetesObject): void {
    const key = keyOf(object);
    this.#objectProblems.delete(key);
    for (const stale of this.#splitKeys.get(key) ?? []) this.#store.delete(stale);
    this.#splitKeys.delete(key);
    this.#logNewProblems();
  }

  /** The object's splits (none when it is not one, after recording why when it is unusable). */
  #normalize(object: KubernetesObject): readonly TrafficSplit[] {
    const key = keyOf(object);
    // List items of some servers lack apiVersion/kind; the collection says what they are.
    const { group, plural, kind } = this.#kind;
    const typed = { apiVersion: `${group}/${this.#servedVersion ?? ''}`, kind, ...object };
    const result = this.#kind.normalize(typed, { defaultNamespace: this.#namespace ?? 'default' });
    if (result.ok) {
      this.#objectProblems.delete(key);
      this.#splitKeys.set(key, result.splits.map((split) => split.key));
      return result.splits;
    }
    this.#splitKeys.delete(key);
    const file = `/apis/${group}/${this.#servedVersion ?? '?'}/namespaces/${object.metadata?.namespace ?? '?'}/${plural}/${object.metadata?.name ?? '?'}`;
    this.#objectProblems.set(key, { file, message: `not a usable ${kind}: ${result.error}` });
    return [];
  }

  /** Logs each problem once, when it appears. */
  #logNewProblems(): void {
    const current = new Set<string>();
    for (const problem of this.#objectProblems.values()) {
      const line = `kube: problem: ${problem.file}: ${problem.message}`;
      current.add(line);
      if (!this.#reported.has(line)) this.#log(line);
    }
    this.#reported = current;
  }
}

function keyOf(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

function asObjectList(body: unknown): KubernetesListObject<KubernetesObject> {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { items?: unknown }).items)) {
    throw new Error('the API server answered the list with something that is not a list');
  }
  const list = body as { items: unknown[]; metadata?: KubernetesListObject<KubernetesObject>['metadata'] };
  const items = list.items.filter((item): item is KubernetesObject => typeof item === 'object' && item !== null && !Array.isArray(item));
  return { items, ...(list.metadata === undefined ? {} : { metadata: list.metadata }) };
}
