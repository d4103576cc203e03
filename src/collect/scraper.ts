// Fetches every target's /metrics once, a bounded number at a time. Each target gets one deadline
// covering connect, headers and the whole body (a proxy that sends headers and then stalls must
// not hold up the cycle), a body cap counted after decompression (so a gzip bomb is cut off too),
// and failures come back as values: one bad target never throws or stalls the rest.
import { isAscii, isUtf8 } from 'node:buffer';
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
  readonly fetchImpl?: typeof fetch | undefined;
}

/** `parse`: here, bytes that are no UTF-8 (the engine also fails pages that are mostly not metrics). */
export type ScrapeFailureReason = 'timeout' | 'http-status' | 'body-too-large' | 'network' | 'aborted' | 'parse';

export type ScrapeOutcome =
  | {
      readonly target: ScrapeTarget;
      readonly ok: true;
      readonly body: string;
      /** Body size in bytes after decompression. */
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

/**
 * Scrapes all targets, at most `concurrency` at once. Returns the outcomes in target order and
 * also hands each one to `onResult` as soon as it is known. Never rejects because of a target; if
 * `onResult` throws, the remaining targets are still scraped and the first such error is rethrown
 * at the end.
 */
export async function scrapeAll(
  targets: readonly ScrapeTarget[],
  options: ScrapeOptions = {},
  onResult?: (outcome: ScrapeOutcome) => void,
): Promise<ScrapeOutcome[]> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_SCRAPE_CONCURRENCY));
  const outcomes = new Array<ScrapeOutcome>(targets.length);
  let next = 0;
  let callbackError: { error: unknown } | undefined;

  const worker = async (): Promise<void> => {
    for (;;) {
      const index = next++;
      const target = targets[index];
      if (target === undefined) return;
      const outcome = await scrapeTarget(target, options);
      outcomes[index] = outcome;
      try {
        onResult?.(outcome);
      } catch (error) {
        callbackError ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, targets.length) }, worker));
  if (callbackError !== undefined) throw callbackError.error;
  return outcomes;
}

/** Scrapes one target. Never rejects. */
export async function scrapeTarget(target: ScrapeTarget, options: ScrapeOptions = {}): Promise<ScrapeOutcome> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SCRAPE_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const fetchImpl = options.fetchImpl ?? fetch;
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
  const onOuterAbort = (): void => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuterAbort, { once: true });
  // Aborting fetch does not always settle a body read in progress: with a gzip body of many
  // members arriving at once, a read pending when the deadline fires stays pending for good
  // (Node 20's fetch), and with it the target and the whole cycle. So each read also ends when
  // this target's controller aborts. Handled here so it is never an unhandled rejection.
  const abortedRead = new Promise<never>((_resolve, reject) => {
    const onAbort = (): void => {
      const reason: unknown = controller.signal.reason;
      reject(reason instanceof Error ? reason : new Error('scrape aborted'));
    };
    controller.signal.addEventListener('abort', onAbort, { once: true });
  });
  abortedRead.catch(() => undefined);
  let reader: ReadableStreamDefaultReader<unknown> | undefined;

  try {
    const response = await fetchImpl(target.url, {
      signal: controller.signal,
      redirect: 'follow',
      headers: {
        Accept: SCRAPE_ACCEPT_HEADER,
        'Accept-Encoding': 'gzip',
        'User-Agent': 'splitstat',
        // Exporters may use this to bound their own work, as they do for Prometheus.
        'X-Prometheus-Scrape-Timeout-Seconds': String(timeoutMs / 1000),
      },
    });
    if (!response.ok) {
      await response.body?.cancel().catch(() => undefined);
      return fail('http-status', `HTTP ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`, response.status);
    }
    // A declared length over the cap fails before reading (only meaningful when not compressed).
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (response.headers.get('content-encoding') === null && declared > maxBodyBytes) {
      await response.body?.cancel().catch(() => undefined);
      return fail('body-too-large', `body of ${declared} bytes exceeds the ${maxBodyBytes}-byte limit`);
    }
    phase = 'body';
    const chunks: Uint8Array[] = [];
    if (response.body !== null) {
      // The DOM typings leave chunks untyped; fetch delivers bytes, checked below anyway.
      reader = (response.body as ReadableStream<unknown>).getReader();
      for (;;) {
        const { done, value } = await Promise.race([reader.read(), abortedRead]);
        if (done) break;
        if (!(value instanceof Uint8Array)) throw new TypeError('response body produced a non-byte chunk');
        received += value.byteLength;
        if (received > maxBodyBytes) {
          controller.abort(new Error('body too large'));
          await reader.cancel().catch(() => undefined);
          return fail('body-too-large', `body exceeds the ${maxBodyBytes}-byte limit`);
        }
        chunks.push(value);
      }
    }
    // One copy into a Buffer and one decode give the parser a flat string to scan.
    const bytes = Buffer.concat(chunks, received);
    // Prometheus refuses a page with bytes that are no UTF-8; decoded, they would become U+FFFD,
    // and two label values differing only there would become one series.
    // Nearly every page is ASCII: then it is UTF-8 as it is, and a latin1 copy (one byte per
    // character, what V8 keeps such strings as anyway) reads it without decoding.
    const ascii = isAscii(bytes);
    if (!ascii && !isUtf8(bytes)) return fail('parse', 'the page is not valid UTF-8');
    const body = bytes.toString(ascii ? 'latin1' : 'utf8');
    return {
      target,
      ok: true,
      body,
      bytes: received,
      contentType: response.headers.get('content-type') ?? undefined,
      durationMs: elapsed(),
      startedAtMs,
    };
  } catch (error) {
    if (cycleAborted()) return fail('aborted', 'scrape cycle aborted');
    if (timedOut) {
      return fail(
        'timeout',
        phase === 'headers'
          ? `no response headers within ${timeoutMs} ms`
          : `body not complete within ${timeoutMs} ms (${received} bytes received)`,
      );
    }
    return fail('network', describeNetworkError(error));
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
    // After an abort the stream may never settle (above): release it without waiting on it.
    if (controller.signal.aborted) reader?.cancel().catch(() => undefined);
  }
}

/** fetch() reports "fetch failed" and puts the useful part (ECONNREFUSED …) in `cause`. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error && cause.message !== '') return `${error.message}: ${cause.message}`;
  return error.message;
}
