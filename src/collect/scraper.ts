// Fetches every target's /metrics once, a bounded number at a time, over kept-alive connections. Each target gets one deadline
// covering connect, headers and the whole body (a proxy that sends headers and then stalls must
// not hold up the cycle), a body cap counted after decompression (so a gzip bomb is cut off too),
// and failures come back as values: one bad target never throws or stalls the rest.
import type { RawBody } from './body-pieces.js';
import { GetRequest, Http1Client } from './http1-client.js';
import type { PendingRequest, ResponseHandler, ResponseHead } from './http1-client.js';
import type { ScrapeTarget } from './target.js';

export interface ScrapeOptions {
  /** Most targets fetched at the same time. Default 32. */
  readonly concurrency?: number | undefined;
  /** Deadline per target for the whole exchange, headers and body. Default 5000. */
  readonly timeoutMs?: number | undefined;
  /** Largest body accepted, in bytes after decompression. Default 32 MiB. */
  readonly maxBodyBytes?: number | undefined;
  /** Aborts the whole cycle: fetches in flight stop, targets not started are not contacted. */
  readonly signal?: AbortSignal | undefined;
}

/** `parse`: here, bytes that are no UTF-8 (the engine also fails pages that are mostly not metrics). */
export type ScrapeFailureReason = 'timeout' | 'http-status' | 'body-too-large' | 'network' | 'aborted' | 'parse';

export type ScrapeOutcome =
  | {
      readonly target: ScrapeTarget;
      readonly ok: true;
      /**
       * The page's bytes as received: PageReader.read() inflates and decodes them, as the page is
       * parsed (not before: a page waiting its turn stays small and outside V8's heap).
       */
      readonly body: RawBody;
      readonly encoding: 'gzip' | 'identity';
      /** Bytes received. */
      readonly bytes: number;
      /** The response's Content-Type, for formatFromContentType(). */
      readonly contentType: string | undefined;
      readonly durationMs: number;
      readonly startedAtMs: number;
    }
  | {
      readonly target: ScrapeTarget;
      readonly ok: false;
      readonly reason: ScrapeFailureReason;
      readonly message: string;
      /** The HTTP status, for reason 'http-status'. */
      readonly status?: number | undefined;
      readonly durationMs: number;
      readonly startedAtMs: number;
    };

export const DEFAULT_SCRAPE_CONCURRENCY = 32;
export const DEFAULT_SCRAPE_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * What we ask for: the classic text format first (what Linkerd's proxy serves and what the parser
 * is tuned for), OpenMetrics text next (also parsed), anything else last. Built the way
 * Prometheus builds its own scrape Accept header, with the preference order changed.
 */
export const SCRAPE_ACCEPT_HEADER =
  'text/plain;version=0.0.4;q=0.9,application/openmetrics-text;version=1.0.0;q=0.5,*/*;q=0.1';

/** Scrapes all targets, at most `concurrency` at once, and returns the outcomes in target order. */
export async function scrapeAll(targets: readonly ScrapeTarget[], options: ScrapeOptions = {}): Promise<ScrapeOutcome[]> {
  const outcomes = new Array<ScrapeOutcome>(targets.length);
  await scrapeEach(targets, options, (outcome, index) => {
    outcomes[index] = outcome;
  });
  return outcomes;
}

/**
 * Scrapes all targets, at most `concurrency` at once, handing each outcome to `onResult` as soon
 * as it is known and keeping none: a cycle's pages (hundreds of megabytes for a thousand proxies)
 * are never all held at once. Never rejects because of a target; if `onResult` throws, the
 * remaining targets are still scraped and the first such error is rethrown at the end.
 */
export async function scrapeEach(
  targets: readonly ScrapeTarget[],
  options: ScrapeOptions,
  onResult: (outcome: ScrapeOutcome, index: number) => void,
): Promise<void> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_SCRAPE_CONCURRENCY));
  let next = 0;
  let callbackError: { error: unknown } | undefined;

  // One function call per target, whose frame ends with it: a page held in a local of the
  // worker's loop would stay alive (a suspended async function keeps its registers) while the
  // worker waits for its next target, so every worker would pin a page it is done with.
  const scrapeOne = async (index: number, target: ScrapeTarget): Promise<void> => {
    const outcome = await scrapeTarget(target, options);
    try {
      onResult(outcome, index);
    } catch (error) {
      callbackError ??= { error };
    }
  };
  const worker = async (): Promise<void> => {
    for (let index = next++; index < targets.length; index = next++) await scrapeOne(index, targets[index] as ScrapeTarget);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  if (callbackError !== undefined) throw callbackError.error;
}

/** Scrapes one target. Never rejects. */
export async function scrapeTarget(target: ScrapeTarget, options: ScrapeOptions = {}): Promise<ScrapeOutcome> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SCRAPE_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const startedAtMs = Date.now();
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  const fail = (reason: ScrapeFailureReason, message: string, status?: number): ScrapeOutcome => ({
    target,
    ok: false,
    reason,
    message,
    ...(status === undefined ? {} : { status }),
    durationMs: elapsed(),
    startedAtMs,
  });

  const outer = options.signal;
  // A function, not a check of `outer.aborted` in place: the flag changes while we await.
  const cycleAborted = (): boolean => outer?.aborted === true;
  if (cycleAborted()) return fail('aborted', 'scrape cycle aborted before this target was contacted');

  // The exchange is ended by the deadline, the body cap or the cycle's signal.
  const exchange = new Exchange();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    exchange.stop(new Error(`no complete response within ${timeoutMs} ms`));
  }, timeoutMs);
  const onOuterAbort = (): void => exchange.stop(new Error('scrape cycle aborted'));
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const timeout = (): ScrapeOutcome =>
    fail(
      'timeout',
      exchange.phase === 'headers' ? `no response headers within ${timeoutMs} ms` : `body not complete within ${timeoutMs} ms (${exchange.received} bytes received)`,
    );

  try {
    const response = await get(exchange, requestFor(target, scrapeHeaderLines(timeoutMs)), maxBodyBytes);
    if (response.status < 200 || response.status > 299) {
      return fail('http-status', `HTTP ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`, response.status);
    }
    const encoding = bodyEncoding(response.headers);
    if (encoding === undefined) return fail('network', `content encoding ${JSON.stringify(response.headers['content-encoding'])} was not asked for (only gzip)`);
    // A declared length over the cap fails before reading. Compressed bytes count against the
    // cap too: a compressed page is never larger than its text.
    const declared = declaredLength(response.headers);
    if (declared > maxBodyBytes) return fail('body-too-large', `body of ${declared} bytes exceeds the ${maxBodyBytes}-byte limit`);
    const body = await exchange.body();
    if (body === 'too-large') return fail('body-too-large', `body exceeds the ${maxBodyBytes}-byte limit`);
    // A connection closed before the declared length arrived ends the body without an error.
    if (body === 'cut-short') return fail('network', `the connection closed before the body was complete (${exchange.received} bytes received)`);
    if (timedOut) return timeout();
    if (cycleAborted()) return fail('aborted', 'scrape cycle aborted');
    return {
      target,
      ok: true,
      body: exchange.chunks,
      encoding,
      bytes: exchange.received,
      contentType: response.headers['content-type'],
      durationMs: elapsed(),
      startedAtMs,
    };
  } catch (error) {
    if (cycleAborted()) return fail('aborted', 'scrape cycle aborted');
    if (timedOut) return timeout();
    return fail('network', describeNetworkError(error));
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

function bodyEncoding(headers: Readonly<Record<string, string>>): 'gzip' | 'identity' | undefined {
  const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  return encoding === 'identity' || encoding === 'gzip' ? encoding : undefined;
}

/** The Content-Length, unless a transfer coding frames the body (then the length is ignored, RFC 9112). */
function declaredLength(headers: Readonly<Record<string, string>>): number {
  return headers['transfer-encoding'] === undefined ? Number(headers['content-length'] ?? Number.NaN) : Number.NaN;
}

function isRedirect(head: ResponseHead): boolean {
  return REDIRECT_STATUSES.has(head.status) && head.headers.location !== undefined;
}

/** Whether a response's body is worth reading: a page we can use, not a redirect or a failure. */
function wantsBody(head: ResponseHead, maxBodyBytes: number): boolean {
  return head.status >= 200 && head.status <= 299 && bodyEncoding(head.headers) !== undefined && !(declaredLength(head.headers) > maxBodyBytes);
}

/**
 * One target's exchange: its requests (a redirect makes more than one) and the body being read,
 * so that stop() ends whichever is in flight. The body's chunks are kept as they come, from the
 * response's head on, and counted against the cap as they arrive.
 */
class Exchange implements ResponseHandler {
  phase: 'headers' | 'body' = 'headers';
  /** Body bytes received so far. */
  received = 0;
  readonly chunks: Buffer[] = [];
  #maxBodyBytes = 0;
  #stopped: Error | undefined;
  #pending: PendingRequest | undefined;
  #head: Settler<ResponseHead> | undefined;
  /** How the body ended, once it has; a waiting body() promise's settler until then. */
  #ended: BodyEnd | Error | undefined;
  #body: Settler<BodyEnd> | undefined;

  /** Ends the exchange: the request or body in flight fails with `reason`, and no request follows. */
  stop(reason: Error): void {
    if (this.#stopped !== undefined) return;
    this.#stopped = reason;
    this.#pending?.abort(reason);
  }

  request(request: GetRequest, maxBodyBytes: number): Promise<ResponseHead> {
    const { protocol } = request.url;
    if (protocol !== 'http:' && protocol !== 'https:') return Promise.reject(new Error(`unsupported protocol ${protocol}`));
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped);
    this.#maxBodyBytes = maxBodyBytes;
    return new Promise((resolve, reject) => {
      this.#head = { resolve, reject };
      this.#pending = CLIENT.get(request, this);
    });
  }

  /** How the body ended; rejects with the connection's error or stop()'s reason. */
  body(): Promise<BodyEnd> {
    const ended = this.#ended;
    if (ended instanceof Error) return Promise.reject(ended);
    if (ended !== undefined) return Promise.resolve(ended);
    return new Promise((resolve, reject) => {
      this.#body = { resolve, reject };
    });
  }

  onHead(head: ResponseHead): boolean {
    const wanted = !isRedirect(head) && wantsBody(head, this.#maxBodyBytes);
    if (wanted) this.phase = 'body';
    this.#head?.resolve(head);
    this.#head = undefined;
    return wanted;
  }

  onData(chunk: Buffer): boolean {
    this.received += chunk.byteLength;
    if (this.received > this.#maxBodyBytes) {
      this.#endBody('too-large');
      return false;
    }
    this.chunks.push(chunk);
    return true;
  }

  onEnd(complete: boolean): void {
    this.#endBody(complete ? 'complete' : 'cut-short');
  }

  onError(error: Error): void {
    if (this.#head !== undefined) {
      this.#head.reject(error);
      this.#head = undefined;
    } else this.#endBody(error);
  }

  #endBody(end: BodyEnd | Error): void {
    if (this.#ended !== undefined) return;
    this.#ended = end;
    const waiting = this.#body;
    this.#body = undefined;
    if (waiting === undefined) return;
    if (end instanceof Error) waiting.reject(end);
    else waiting.resolve(end);
  }
}

type BodyEnd = 'complete' | 'cut-short' | 'too-large';

interface Settler<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

const MAX_REDIRECTS = 10;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * GET, following redirects as Prometheus does; the last response's head. Its own HTTP/1.1
 * client rather than node:http or fetch: fetch inflates gzip as a stream of small steps and
 * cannot be told to leave the body compressed, and node:http's per-request objects cost nearly
 * twice what the client does (src/collect/http1-client.ts).
 */
async function get(exchange: Exchange, first: GetRequest, maxBodyBytes: number): Promise<ResponseHead> {
  let request = first;
  for (let redirects = 0; ; redirects++) {
    const head = await exchange.request(request, maxBodyBytes);
    if (!isRedirect(head)) return head;
    if (redirects >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    request = new GetRequest(new URL(head.headers.location as string, request.url), request.headerLines);
  }
}

/**
 * Each target's request, made once and kept for as long as the target object lives (discovery
 * keeps a target's object while the target is unchanged).
 */
const REQUESTS = new WeakMap<ScrapeTarget, { readonly url: string; readonly request: GetRequest }>();
function requestFor(target: ScrapeTarget, headerLines: string): GetRequest {
  const kept = REQUESTS.get(target);
  if (kept !== undefined && kept.url === target.url && kept.request.headerLines === headerLines) return kept.request;
  const request = new GetRequest(new URL(target.url), headerLines);
  REQUESTS.set(target, { url: target.url, request });
  return request;
}

/** The request's header fields, the same for every scrape with one deadline (so one per configuration). */
const HEADER_LINES = new Map<number, string>();
function scrapeHeaderLines(timeoutMs: number): string {
  let lines = HEADER_LINES.get(timeoutMs);
  if (lines === undefined) {
    lines =
      `Accept: ${SCRAPE_ACCEPT_HEADER}\r\nAccept-Encoding: gzip\r\nUser-Agent: splitstat\r\n` +
      // Exporters may use this to bound their own work, as they do for Prometheus.
      `X-Prometheus-Scrape-Timeout-Seconds: ${timeoutMs / 1000}\r\n`;
    HEADER_LINES.set(timeoutMs, lines);
  }
  return lines;
}

/**
 * Keep-alive, as Prometheus scrapes: a proxy's admin server keeps the connection open, so each
 * target costs one connection for as long as it is scraped, not a new one every cycle (targets
 * behind one address keep up to one per concurrent scrape). Idle connections unused for a
 * minute to a minute and a half (a target gone from discovery) are closed.
 */
const CLIENT = new Http1Client({ maxIdlePerOrigin: DEFAULT_SCRAPE_CONCURRENCY, idleTimeoutMs: 60_000 });

/** The useful part of a network error: `connect ECONNREFUSED 127.0.0.1:1`, `socket hang up`. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error && cause.message !== '') return `${error.message}: ${cause.message}`;
  return error.message;
}
