// A list+watch of one Kubernetes resource that keeps itself alive: client-node's informer
// (ListWatch) does the listing, the watching from the list's resourceVersion, the relist after
// a 410 and the per-object diffing; this class adds what it lacks and keeps a service running
// for months:
// - errors: a dropped or refused watch is re-watched from the last resourceVersion after a
//   capped exponential backoff (ListWatch 1.4 would just stop), a failed list or a watch the
//   server rejects outright (401/403/404) restarts everything — discovery, list, watch — after
//   the same backoff;
// - a watchdog: no event and no bookmark for `watchdogMs` means the stream went silent (a
//   half-open connection, a wedged proxy); it is aborted and re-watched, or, when not even the
//   list or the watch request answered, everything restarts;
// - shutdown: stop() ends it for good; nothing it started stays open, nothing restarts, and the
//   error client-node emits for its own abort is not reported.
//
// Each restart builds a fresh ListWatch and GuardedWatch: 1.4's ListWatch keeps no generation,
// so a late AbortError of a stopped stream could otherwise stop the stream that replaced it.
// Consumers see a full list on every (re)list (`onList`), then single changes; changes that a
// list already delivered are not repeated.
import { ListWatch } from '@kubernetes/client-node';
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { Backoff } from './backoff.js';
import type { BackoffOptions } from './backoff.js';
import { GuardedWatch } from './guarded-watch.js';
import type { Continuation, StreamEnd } from './guarded-watch.js';
import { describeKubeError, httpStatusOf } from './kube-errors.js';

export const DEFAULT_WATCHDOG_MS = 5 * 60_000;

/** What to list and watch; resolved again before every full restart, so discovery can follow the cluster. */
export interface InformerTarget<T extends KubernetesObject> {
  /** The collection's URL path, e.g. `/apis/split.smi-spec.io/v1alpha2/namespaces/prod/trafficsplits`. */
  readonly path: string;
  /** Lists the same collection (with the same label selector). */
  readonly list: () => Promise<KubernetesListObject<T>>;
  /** For log lines, e.g. `trafficsplits (split.smi-spec.io/v1alpha2)`. */
  readonly description: string;
}

export interface InformerHandlers<T> {
  /** The complete current list, after every successful list (the first, and each relist). */
  onList(items: readonly T[]): void;
  onUpsert(object: T): void;
  onDelete(object: T): void;
}

export interface ResilientInformerOptions<T extends KubernetesObject> {
  readonly kubeConfig: KubeConfig;
  readonly resolve: () => Promise<InformerTarget<T>>;
  readonly handlers: InformerHandlers<T>;
  readonly labelSelector?: string | undefined;
  /** A stream without any event or bookmark for this long is restarted. Default 5 min. */
  readonly watchdogMs?: number | undefined;
  readonly backoff?: BackoffOptions | undefined;
  /** A stream that lasted this long counts as healthy: the backoff starts over. Default 30 s. */
  readonly healthyAfterMs?: number | undefined;
  /**
   * Server-side watch timeout (timeoutSeconds), picked anew per request in [min, 1.8·min] so
   * replicas spread out. Default: half the watchdog, so a healthy stream is renewed before the
   * watchdog could mistake a quiet one (on a server that sends no bookmarks) for a dead one.
   */
  readonly watchTimeoutSeconds?: number | undefined;
  readonly log?: ((line: string) => void) | undefined;
  /** What is watched, for messages until resolve() says it precisely (e.g. `trafficsplits`). */
  readonly resource: string;
}

interface Session<T extends KubernetesObject> {
  readonly watch: GuardedWatch;
  informer: ListWatch<T> | undefined;
  description: string;
}

export class ResilientInformer<T extends KubernetesObject> {
  readonly #options: ResilientInformerOptions<T>;
  readonly #backoff: Backoff;
  readonly #watchdogMs: number;
  readonly #healthyAfterMs: number;
  readonly #watchTimeoutSeconds: number;
  readonly #log: (line: string) => void;
  /** namespace/name → resourceVersion of what the handlers were last given. */
  readonly #delivered = new Map<string, string | undefined>();
  #session: Session<T> | undefined;
  #watchdog: NodeJS.Timeout | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #started = false;
  #stopped = false;
  #synced = false;
  #restarts = 0;
  #problem: string | undefined;
  #resolveSynced: () => void = () => {};
  readonly #syncedPromise: Promise<void>;

  constructor(options: ResilientInformerOptions<T>) {
    this.#options = options;
    this.#backoff = new Backoff(options.backoff);
    this.#watchdogMs = options.watchdogMs ?? DEFAULT_WATCHDOG_MS;
    this.#healthyAfterMs = options.healthyAfterMs ?? 30_000;
    this.#watchTimeoutSeconds = options.watchTimeoutSeconds ?? Math.max(1, Math.round(this.#watchdogMs / 2000));
    this.#log = options.log ?? (() => {});
    this.#syncedPromise = new Promise((resolve) => (this.#resolveSynced = resolve));
  }

  /** True once a list has been delivered; stays true while reconnecting (the last state is kept). */
  get ready(): boolean {
    return this.#synced;
  }

  /** Times the watch had to be re-established other than as routine (errors, 410, watchdog, early ends). */
  get restarts(): number {
    return this.#restarts;
  }

  /** Why the data may be stale right now (the last failure, until a list or watch succeeds again). */
  get problem(): string | undefined {
    return this.#problem;
  }

  /** Starts; resolves after the first successful list (or when stopped before one). Failures are retried, never thrown. */
  start(): Promise<void> {
    if (this.#started) return Promise.reject(new Error(`kube: ${this.#options.resource}: already started`));
    this.#started = true;
    this.#startSession();
    return this.#syncedPromise;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#watchdog);
    clearTimeout(this.#restartTimer);
    const session = this.#session;
    this.#session = undefined;
    this.#resolveSynced();
    if (session !== undefined) await closeSession(session);
  }

  // --- sessions ------------------------------------------------------------------------------

  #startSession(): void {
    if (this.#stopped) return;
    const session: Session<T> = {
      watch: new GuardedWatch(
        this.#options.kubeConfig,
        {
          onRequest: () => this.#current(session) && this.#armWatchdog(),
          onOpen: () => this.#current(session) && this.#clearProblem(),
          onEvent: (type, object) => this.#current(session) && this.#onEvent(session, type, object),
          onEnd: (end) => this.#onStreamEnd(session, end),
          onInternalError: (error) => this.#say(`informer error: ${describeKubeError(error)}`),
        },
        () => this.#watchQuery(),
      ),
      informer: undefined,
      description: this.#options.resource,
    };
    this.#session = session;
    this.#armWatchdog();
    this.#runSession(session).catch((error: unknown) => this.#onSessionError(session, error));
  }

  async #runSession(session: Session<T>): Promise<void> {
    const target = await this.#options.resolve();
    if (!this.#current(session)) return;
    session.description = target.description;
    const informer = new ListWatch<T>(target.path, session.watch, () => this.#list(session, target), false, this.#options.labelSelector);
    session.informer = informer;
    informer.on('add', (object) => this.#current(session) && this.#upsert(object));
    informer.on('update', (object) => this.#current(session) && this.#upsert(object));
    informer.on('delete', (object) => this.#current(session) && this.#delete(object));
    // Only list failures get here: GuardedWatch passes the informer no watch error but a 410.
    informer.on('error', (error: unknown) => this.#onSessionError(session, error));
    await informer.start();
  }

  async #list(session: Session<T>, target: InformerTarget<T>): Promise<KubernetesListObject<T>> {
    this.#armWatchdog();
    const list = await target.list();
    // A list that comes back after its session was replaced must not reach the consumers; the
    // rejection stops that ListWatch, whose error event is then ignored as stale.
    if (!this.#current(session)) throw new Error('superseded by a newer list');
    this.#deliverList(list.items);
    this.#clearProblem();
    this.#armWatchdog();
    if (!this.#synced) {
      this.#synced = true;
      this.#resolveSynced();
    }
    return list;
  }

  #onSessionError(session: Session<T>, error: unknown): void {
    if (!this.#current(session)) return;
    this.#restart(`${session.description}: ${describeKubeError(error)}`);
  }

  /** Replaces the session after a backoff delay; counts as a restart. */
  #restart(reason: string, delayMs = this.#backoff.next()): void {
    if (this.#stopped) return;
    this.#restarts += 1;
    this.#problem = reason;
    this.#say(`${reason}; restarting in ${delayMs} ms`);
    const session = this.#session;
    this.#session = undefined;
    clearTimeout(this.#watchdog);
    if (session !== undefined) {
      closeSession(session).catch((error: unknown) => this.#say(`stopping the informer failed: ${describeKubeError(error)}`));
    }
    clearTimeout(this.#restartTimer);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      this.#startSession();
    }, delayMs);
  }

  #current(session: Session<T>): boolean {
    return !this.#stopped && this.#session === session;
  }

  // --- streams -------------------------------------------------------------------------------

  #watchQuery(): Record<string, string | number | boolean> {
    return { allowWatchBookmarks: true, timeoutSeconds: Math.round(this.#watchTimeoutSeconds * (1 + 0.8 * Math.random())) };
  }

  #onEvent(session: Session<T>, type: string, object: unknown): void {
    this.#armWatchdog();
    if (type === 'ERROR') {
      const status = httpStatusOf(object);
      const message = typeof object === 'object' && object !== null ? (object as { message?: unknown }).message : undefined;
      this.#say(`${session.description}: the watch reported an error: ${status ?? '?'} ${typeof message === 'string' ? message : ''}`.trimEnd());
    }
  }

  #onStreamEnd(session: Session<T>, end: StreamEnd): Continuation {
    if (!this.#current(session)) return { report: null, delayMs: 0 };
    const where = session.description;
    switch (end.kind) {
      case 'aborted':
        // The watchdog did this and has counted it; re-watch from the last resourceVersion.
        return this.#continueAfter(0, null);
      case 'closed':
        if (end.expired) {
          this.#restarts += 1;
          this.#say(`${where}: resourceVersion too old (410 Gone); relisting`);
          return this.#continueAfter(0, null);
        }
        if (end.livedMs >= this.#healthyAfterMs || (end.timeoutMs !== undefined && end.livedMs >= end.timeoutMs * 0.9)) {
          // The routine end of a stream that lasted (its timeoutSeconds ran out): not a restart.
          this.#backoff.reset();
          return this.#continueAfter(0, null);
        }
        return this.#retry(`${where}: the server ended the watch after ${end.livedMs} ms`, null);
      case 'failed': {
        if (end.connected && end.livedMs >= this.#healthyAfterMs) this.#backoff.reset();
        const status = httpStatusOf(end.error);
        if (status === 410) {
          this.#restarts += 1;
          this.#say(`${where}: resourceVersion too old (HTTP 410 Gone); relisting`);
          return this.#continueAfter(0, { error: end.error });
        }
        const what = end.connected ? 'the watch stream broke' : 'the watch request failed';
        const refused = !end.connected && status !== undefined && status >= 400 && status < 500 && status !== 429;
        if (refused) {
          // 401/403/404…: re-watching the same URL will not help; rediscover, relist, re-watch.
          this.#restart(`${where}: ${what}: ${describeKubeError(end.error)}`);
          return { report: null, delayMs: 0 };
        }
        // Unreachable, overloaded or dropped: the resourceVersion is still good, re-watch from it.
        return this.#retry(`${where}: ${what}: ${describeKubeError(end.error)}`, null);
      }
    }
  }

  #retry(reason: string, report: Continuation['report']): Continuation {
    const delayMs = this.#backoff.next();
    this.#restarts += 1;
    this.#problem = reason;
    this.#say(`${reason}; re-watching in ${delayMs} ms`);
    return this.#continueAfter(delayMs, report);
  }

  #continueAfter(delayMs: number, report: Continuation['report']): Continuation {
    // No watchdog while deliberately waiting; the next request arms it again.
    if (delayMs > 0) clearTimeout(this.#watchdog);
    else this.#armWatchdog();
    return { report, delayMs };
  }

  #armWatchdog(): void {
    clearTimeout(this.#watchdog);
    if (this.#stopped) return;
    this.#watchdog = setTimeout(() => this.#onWatchdog(), this.#watchdogMs);
  }

  #onWatchdog(): void {
    const session = this.#session;
    if (session === undefined || this.#stopped) return;
    const silence = `no event or bookmark for ${this.#watchdogMs} ms`;
    if (session.watch.abortStream()) {
      this.#restarts += 1;
      this.#problem = `${session.description}: ${silence}`;
      this.#say(`${session.description}: ${silence}; restarting the watch`);
      return;
    }
    // Not even the list or the watch request answered in time: start over.
    this.#restart(`${session.description}: the Kubernetes API did not answer for ${this.#watchdogMs} ms`);
  }

  #say(line: string): void {
    this.#log(`kube: ${line}`);
  }

  #clearProblem(): void {
    this.#problem = undefined;
  }

  // --- delivery ------------------------------------------------------------------------------

  #deliverList(items: readonly T[]): void {
    this.#delivered.clear();
    for (const item of items) this.#delivered.set(objectKey(item), item.metadata?.resourceVersion);
    this.#call('list', () => this.#options.handlers.onList(items));
  }

  #upsert(object: T): void {
    const key = objectKey(object);
    const resourceVersion = object.metadata?.resourceVersion;
    if (resourceVersion !== undefined && this.#delivered.get(key) === resourceVersion) return;
    this.#delivered.set(key, resourceVersion);
    this.#call('update', () => this.#options.handlers.onUpsert(object));
  }

  #delete(object: T): void {
    if (!this.#delivered.delete(objectKey(object))) return;
    this.#call('delete', () => this.#options.handlers.onDelete(object));
  }

  /** A consumer that throws must not break the informer (ListWatch would turn it into an unhandled rejection). */
  #call(what: string, action: () => void): void {
    try {
      action();
    } catch (error) {
      this.#say(`handling a ${what} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
}

async function closeSession<T extends KubernetesObject>(session: Session<T>): Promise<void> {
  session.watch.close();
  await session.informer?.stop();
}

function objectKey(object: KubernetesObject): string {
  return `${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}
