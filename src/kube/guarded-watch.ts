// The Watch handed to one client-node ListWatch (informer). ListWatch takes its Watch as a
// constructor argument, and this subclass uses that seam to fix what 1.4's informer leaves to
// its user:
// - it asks for bookmarks and a server-side timeout on every watch request, so a quiet stream
//   still shows signs of life and streams are renewed now and then, as client-go does;
// - it reports every request and every line to its owner, which runs the watchdog;
// - it decides, through the owner's policy, how a stream that ended carries on: ListWatch
//   re-watches from its last resourceVersion when told "closed" (null) and gives up (an
//   `error` event) on anything but a 410, so a dropped connection is reported to it as closed
//   after a backoff delay instead of as an error that would stop it;
// - once closed it aborts whatever it has open or gets back later and swallows every callback,
//   so a stopped or replaced informer can neither emit stale errors (ListWatch reports the
//   AbortError of its own stop() as an error) nor keep a connection open.
import { Watch } from '@kubernetes/client-node';
import type { KubeConfig } from '@kubernetes/client-node';
import { httpStatusOf } from './kube-errors.js';

/** How a watch stream ended. */
export type StreamEnd =
  /** The owner aborted it (the watchdog). */
  | { readonly kind: 'aborted' }
  /**
   * The server ended it properly; `expired`: it said the resourceVersion was too old (410) first;
   * `timeoutMs`: the timeoutSeconds this request asked for, after which an end is routine.
   */
  | { readonly kind: 'closed'; readonly livedMs: number; readonly expired: boolean; readonly timeoutMs: number | undefined }
  /**
   * It failed. `connected`: after the server had answered 200 (a dropped stream), otherwise the
   * request itself failed (refused, unreachable, an HTTP error status).
   */
  | { readonly kind: 'failed'; readonly error: unknown; readonly connected: boolean; readonly livedMs: number };

/** What the informer is told: `null` re-watches (a relist first if a 410 cleared its resourceVersion), an error is passed on. */
export interface Continuation {
  readonly report: null | { readonly error: unknown };
  /** Wait this long before telling the informer (0: at once). */
  readonly delayMs: number;
}

export interface GuardedWatchHooks {
  /** A watch request is being made. */
  onRequest(): void;
  /** The server answered 200: the stream is open. */
  onOpen(): void;
  /** A line arrived on the stream (any event type, bookmarks included). */
  onEvent(type: string, object: unknown): void;
  onEnd(end: StreamEnd): Continuation;
  /** The informer's own handling of a report failed (it should not; logged, never thrown). */
  onInternalError(error: unknown): void;
}

type WatchQuery = Record<string, string | number | boolean | undefined>;

interface Stream {
  readonly startedAt: number;
  readonly timeoutMs: number | undefined;
  controller: AbortController | undefined;
  expired: boolean;
  abortedByOwner: boolean;
  ended: boolean;
}

export class GuardedWatch extends Watch {
  readonly #hooks: GuardedWatchHooks;
  readonly #extraQuery: () => WatchQuery;
  readonly #now: () => number;
  readonly #timers = new Set<NodeJS.Timeout>();
  #current: Stream | undefined;
  #closed = false;

  constructor(kubeConfig: KubeConfig, hooks: GuardedWatchHooks, extraQuery: () => WatchQuery = () => ({}), now: () => number = Date.now) {
    super(kubeConfig);
    this.#hooks = hooks;
    this.#extraQuery = extraQuery;
    this.#now = now;
  }

  // The base class types the event object and the error as `any`; `unknown` is accepted in
  // their place (method parameters are compared bivariantly) and keeps `any` out of this file.
  override async watch(
    path: string,
    queryParams: WatchQuery,
    callback: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    if (this.#closed) return abortedController();
    const query = { ...queryParams, ...this.#extraQuery() };
    const timeoutMs = typeof query.timeoutSeconds === 'number' ? query.timeoutSeconds * 1000 : undefined;
    const stream: Stream = { startedAt: this.#now(), timeoutMs, controller: undefined, expired: false, abortedByOwner: false, ended: false };
    this.#current = stream;
    this.#hooks.onRequest();

    const onLine = (phase: string, object: unknown, raw?: unknown): void => {
      if (this.#closed || stream.ended) return;
      if (phase === 'ERROR' && httpStatusOf(object) === 410) stream.expired = true;
      this.#hooks.onEvent(phase, object);
      callback(phase, object, raw);
    };
    const onDone = (error: unknown): void => {
      if (stream.ended) return;
      stream.ended = true;
      if (this.#current === stream) this.#current = undefined;
      if (this.#closed) return;
      this.#continue(done, this.#hooks.onEnd(this.#describeEnd(stream, error)));
    };

    let controller: AbortController;
    try {
      controller = await super.watch(path, query, onLine, onDone);
    } catch (error) {
      // Watch 1.4 throws (rather than calling done) when the kubeconfig cannot be applied;
      // ListWatch would not catch that and the rejection would go unhandled.
      onDone(error);
      return abortedController();
    }
    if (this.#closed) {
      // Closed while the request was on its way: the stream must not outlive its informer.
      controller.abort();
      return controller;
    }
    if (!stream.ended) {
      stream.controller = controller;
      this.#hooks.onOpen();
    }
    return controller;
  }

  /** Aborts the open stream, if there is one; its end is reported as `aborted`. */
  abortStream(): boolean {
    const stream = this.#current;
    if (stream?.controller === undefined || stream.ended) return false;
    stream.abortedByOwner = true;
    stream.controller.abort();
    return true;
  }

  /** Aborts everything and ignores whatever still arrives. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#current?.controller?.abort();
    this.#current = undefined;
  }

  #describeEnd(stream: Stream, error: unknown): StreamEnd {
    const livedMs = this.#now() - stream.startedAt;
    if (stream.abortedByOwner) return { kind: 'aborted' };
    if (error === null || error === undefined) return { kind: 'closed', livedMs, expired: stream.expired, timeoutMs: stream.timeoutMs };
    return { kind: 'failed', error, connected: stream.controller !== undefined, livedMs };
  }

  #continue(done: (err: unknown) => void, { report, delayMs }: Continuation): void {
    const deliver = () => {
      if (this.#closed) return;
      // ListWatch's done handler is async although typed void; its rejections must not go unhandled.
      const outcome: unknown = done(report === null ? null : report.error);
      if (outcome instanceof Promise) outcome.catch((error: unknown) => this.#hooks.onInternalError(error));
    };
    if (delayMs <= 0) {
      deliver();
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      deliver();
    }, delayMs);
    this.#timers.add(timer);
  }
}

function abortedController(): AbortController {
  const controller = new AbortController();
  controller.abort();
  return controller;
}
