// Fetches every target's /metrics once, a bounded number at a time, over kept-alive connections. Each target gets one deadline
// covering connect, headers and the whole body (a proxy that sends headers and then stalls must
// not hold up the cycle), a body cap counted after decompression (so a gzip bomb is cut off too),
// and failures come back as values: one bad target never throws or stalls the rest.
import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import https from 'node:https';
import type { RawBody } from './body-pieces.js';
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
    const response = await get(exchange, target.url, {
      Accept: SCRAPE_ACCEPT_HEADER,
      'Accept-Encoding': 'gzip',
      'User-Agent': 'splitstat',
      // Exporters may use this to bound their own work, as they do for Prometheus.
      'X-Prometheus-Scrape-Timeout-Seconds': String(timeoutMs / 1000),
    });
    if (response.status < 200 || response.status > 299) {
      response.body.destroy();
      return fail('http-status', `HTTP ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`, response.status);
    }
    const encoding = (response.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== 'gzip') {
      response.body.destroy();
      return fail('network', `content encoding ${JSON.stringify(encoding)} was not asked for (only gzip)`);
    }
    // A declared length over the cap fails before reading. Compressed bytes count against the
    // cap too: a compressed page is never larger than its text.
    const declared = Number(response.headers['content-length'] ?? Number.NaN);
    if (declared > maxBodyBytes) {
      response.body.destroy();
      return fail('body-too-large', `body of ${declared} bytes exceeds the ${maxBodyBytes}-byte limit`);
    }
    const chunks = await exchange.readBody(response.body, maxBodyBytes);
    if (chunks === undefined) return fail('body-too-large', `body exceeds the ${maxBodyBytes}-byte limit`);
    // A connection closed before the declared length arrived ends the body without an error.
    if (!response.body.complete) return fail('network', `the connection closed before the body was complete (${exchange.received} bytes received)`);
    if (timedOut) return timeout();
    if (cycleAborted()) return fail('aborted', 'scrape cycle aborted');
    return {
      target,
      ok: true,
      body: chunks,
      encoding,
      bytes: exchange.received,
      contentType: response.headers['content-type'],
      durationMs: elapsed(),
      startedAtMs,
    };
  } catch (error) {
    if (cycleAborted()) return fail('aborted', 'scrape cycle aborted');
    if (timedOut) return timeout();
    // node:http says "aborted" when the peer closes the connection in the middle of a body.
    if (exchange.phase === 'body' && (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
      return fail('network', `the connection closed before the body was complete (${exchange.received} bytes received)`);
    }
    return fail('network', describeNetworkError(error));
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  }
}

/**
 * One target's exchange: its requests (a redirect makes more than one) and the body being read,
 * so that stop() ends whichever is in flight. Plain listeners on node:http's objects, not an
 * AbortController and a stream iterator: those added a signal, its listeners and a promise per
 * chunk to every scrape, objects that outlive a young-generation collection while the page
 * arrives and so cost a full collection later (BENCHMARKS.md).
 */
class Exchange {
  phase: 'headers' | 'body' = 'headers';
  /** Body bytes received so far. */
  received = 0;
  #stopped: Error | undefined;
  #request: http.ClientRequest | undefined;
  #response: IncomingMessage | undefined;

  /** Ends the exchange: the request or body in flight fails with `reason`, and no request follows. */
  stop(reason: Error): void {
    if (this.#stopped !== undefined) return;
    this.#stopped = reason;
    this.#request?.destroy(reason);
    this.#response?.destroy(reason);
  }

  request(url: URL, headers: Readonly<Record<string, string>>): Promise<IncomingMessage> {
    const { protocol } = url;
    if (protocol !== 'http:' && protocol !== 'https:') return Promise.reject(new Error(`unsupported protocol ${protocol}`));
    if (this.#stopped !== undefined) return Promise.reject(this.#stopped);
    return new Promise((resolve, reject) => {
      const outgoing = protocol === 'https:' ? https.get(url, { agent: AGENTS[protocol], headers }, resolve) : http.get(url, { agent: AGENTS[protocol], headers }, resolve);
      this.#request = outgoing;
      outgoing.on('error', reject);
    });
  }

  /**
   * The body's chunks once it ends or its connection closes (then `complete` is false), or
   * undefined when it grew past `maxBodyBytes` (the rest is not read). Rejects with the
   * response's error, stop()'s reason included.
   */
  readBody(response: IncomingMessage, maxBodyBytes: number): Promise<Buffer[] | undefined> {
    this.phase = 'body';
    this.#response = response;
    if (this.#stopped !== undefined) response.destroy(this.#stopped);
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: unknown) => {
        if (!Buffer.isBuffer(chunk)) {
          response.destroy(new TypeError('response body produced a non-byte chunk'));
          return;
        }
        this.received += chunk.byteLength;
        if (this.received > maxBodyBytes) {
          resolve(undefined);
          response.destroy();
          return;
        }
        chunks.push(chunk);
      });
      response.once('error', reject);
      // After 'end' when the body is whole; alone when the connection went first.
      response.once('end', () => resolve(chunks));
      response.once('close', () => resolve(chunks));
    });
  }
}

interface RawResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: IncomingMessage;
}

const MAX_REDIRECTS = 10;

/**
 * GET with keep-alive (AGENTS), following redirects as Prometheus does. node:http rather than
 * fetch: fetch inflates gzip as a stream of small steps, which cost several times the CPU of one
 * inflate of the whole body, and it cannot be told to leave the body compressed.
 */
async function get(exchange: Exchange, url: string, headers: Readonly<Record<string, string>>): Promise<RawResponse> {
  let location = new URL(url);
  for (let redirects = 0; ; redirects++) {
    const response = await exchange.request(location, headers);
    const status = response.statusCode ?? 0;
    const next = response.headers.location;
    if (![301, 302, 303, 307, 308].includes(status) || next === undefined) {
      return { status, statusText: response.statusMessage ?? '', headers: response.headers, body: response };
    }
    response.destroy();
    if (redirects >= MAX_REDIRECTS) throw new Error(`more than ${MAX_REDIRECTS} redirects`);
    location = new URL(next, location);
  }
}

/**
 * Keep-alive, as Prometheus scrapes: a proxy's admin server keeps the connection open, so each
 * target costs one connection for as long as it is scraped, not a new one every cycle (targets
 * behind one address keep up to one per concurrent scrape). Free sockets idle longer than a
 * minute (a target gone from discovery) are closed.
 */
const AGENT_OPTIONS = { keepAlive: true, maxFreeSockets: DEFAULT_SCRAPE_CONCURRENCY, scheduling: 'lifo', timeout: 60_000 } as const;
const AGENTS = { 'http:': new http.Agent(AGENT_OPTIONS), 'https:': new https.Agent(AGENT_OPTIONS) };

/** The useful part of a network error: `connect ECONNREFUSED 127.0.0.1:1`, `socket hang up`. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error && cause.message !== '') return `${error.message}: ${cause.message}`;
  return error.message;
}
