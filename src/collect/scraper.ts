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

  // One controller for this target, aborted by the deadline, the body cap or the cycle's signal.
  const controller = new AbortController();
  let phase: 'headers' | 'body' = 'headers';
  let received = 0;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`no complete response within ${timeoutMs} ms`));
  }, timeoutMs);
  const onOuterAbort = (): void => controller.abort(new Error('scrape cycle aborted'));
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  const timeout = (): ScrapeOutcome =>
    fail('timeout', phase === 'headers' ? `no response headers within ${timeoutMs} ms` : `body not complete within ${timeoutMs} ms (${received} bytes received)`);

  try {
    const response = await get(target.url, controller.signal, {
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
    phase = 'body';
    const chunks: Buffer[] = [];
    for await (const chunk of response.body) {
      if (!Buffer.isBuffer(chunk)) throw new TypeError('response body produced a non-byte chunk');
      received += chunk.byteLength;
      if (received > maxBodyBytes) {
        response.body.destroy();
        return fail('body-too-large', `body exceeds the ${maxBodyBytes}-byte limit`);
      }
      chunks.push(chunk);
    }
    // A connection closed before the declared length arrived ends the body without an error.
    if (!response.body.complete) return fail('network', `the connection closed before the body was complete (${received} bytes received)`);
    if (timedOut) return timeout();
    if (cycleAborted()) return fail('aborted', 'scrape cycle aborted');
    return {
      target,
      ok: true,
      body: chunks,
      encoding,
      bytes: received,
      contentType: response.headers['content-type'],
      durationMs: elapsed(),
      startedAtMs,
    };
  } catch (error) {
    if (cycleAborted()) return fail('aborted', 'scrape cycle aborted');
    if (timedOut) return timeout();
    // node:http says "aborted" when the peer closes the connection in the middle of a body.
    if (phase === 'body' && (error as NodeJS.ErrnoException).code === 'ECONNRESET') {
      return fail('network', `the connection closed before the body was complete (${received} bytes received)`);
    }
    return fail('network', describeNetworkError(error));
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
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
async function get(url: string, signal: AbortSignal, headers: Readonly<Record<string, string>>): Promise<RawResponse> {
  let location = new URL(url);
  for (let redirects = 0; ; redirects++) {
    const response = await request(location, signal, headers);
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

function request(url: URL, signal: AbortSignal, headers: Readonly<Record<string, string>>): Promise<IncomingMessage> {
  const { protocol } = url;
  if (protocol !== 'http:' && protocol !== 'https:') return Promise.reject(new Error(`unsupported protocol ${protocol}`));
  return new Promise((resolve, reject) => {
    const outgoing =
      protocol === 'https:' ? https.get(url, { agent: AGENTS[protocol], signal, headers }, resolve) : http.get(url, { agent: AGENTS[protocol], signal, headers }, resolve);
    outgoing.on('error', reject);
  });
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
