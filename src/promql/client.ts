// A Prometheus HTTP API client for instant queries (`/api/v1/query`), just enough for splitstat's
// stat sources. Prometheus, Thanos, Mimir and VictoriaMetrics all speak this API; a gateway in
// front of them may want basic auth, a bearer token or a tenant header (`X-Scope-OrgID`).
// Every failure becomes one PrometheusError whose message names the server, because it ends up
// as one line in the CLI or one GraphQL error.

import { isRecord, parseJsonOrUndefined } from '../util/index.js';
import { networkReason, oneLine } from '../collect/index.js';

export class PrometheusError extends Error {
  override readonly name = 'PrometheusError';
}

export interface PrometheusClientOptions {
  /** Base URL, e.g. http://prometheus.linkerd-viz:9090 (a path prefix is kept); userinfo = basic auth. */
  readonly url: string;
  /** Covers connecting, the headers and the whole body of one query. */
  readonly timeoutMs?: number;
  /** Sent as `Authorization: Bearer <token>`; wins over basic auth from the URL. */
  readonly bearerToken?: string | undefined;
  /** Extra headers on every request, e.g. { 'X-Scope-OrgID': 'tenant-1' }. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One element of an instant vector result. */
export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  /** The sample value; NaN and ±Inf arrive as strings and are parsed as such. */
  readonly value: number;
}

export interface InstantQueryOptions {
  /** Evaluation time in ms since the epoch; Prometheus' "now" when absent. */
  readonly timeMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

export const DEFAULT_PROMETHEUS_TIMEOUT_MS = 10_000;
const EXCERPT_CHARS = 200;

export class PrometheusClient {
  readonly #endpoint: string;
  /** The URL without credentials, for messages. */
  readonly label: string;
  readonly #timeoutMs: number;
  readonly #headers: Headers;

  constructor({ url, timeoutMs = DEFAULT_PROMETHEUS_TIMEOUT_MS, bearerToken, headers = {} }: PrometheusClientOptions) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new PrometheusError(`Prometheus URL ${JSON.stringify(url)} is not a URL (e.g. http://prometheus:9090)`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new PrometheusError(`Prometheus URL ${JSON.stringify(url)} is not an http or https URL`);
    }
    // fetch refuses URLs with credentials, so userinfo becomes an Authorization header.
    const user = decodeURIComponent(parsed.username);
    const password = decodeURIComponent(parsed.password);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    parsed.hash = '';
    this.label = `Prometheus at ${parsed.toString().replace(/\/+$/, '')}`;
    parsed.pathname = `${parsed.pathname.replace(/\/+$/, '')}/api/v1/query`;
    this.#endpoint = parsed.toString();
    this.#timeoutMs = timeoutMs;
    const authorization =
      bearerToken !== undefined
        ? `Bearer ${bearerToken}`
        : user !== '' || password !== ''
          ? `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`
          : undefined;
    // Headers compares names case-insensitively, so a given header is replaced, never doubled.
    this.#headers = new Headers(headers);
    this.#headers.set('content-type', 'application/x-www-form-urlencoded');
    this.#headers.set('accept', 'application/json');
    if (authorization !== undefined) this.#headers.set('authorization', authorization);
  }

  /** Runs one instant query; resolves to its vector, rejects with PrometheusError. */
  async query(promql: string, options: InstantQueryOptions = {}): Promise<VectorSample[]> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
    const form = new URLSearchParams({ query: promql });
    if (options.timeMs !== undefined) form.set('time', (options.timeMs / 1000).toFixed(3));

    let status: number;
    let body: string;
    try {
      const response = await fetch(this.#endpoint, { method: 'POST', headers: this.#headers, body: form.toString(), signal });
      status = response.status;
      body = await response.text();
    } catch (error) {
      if (options.signal?.aborted === true) throw new PrometheusError(`${this.label}: query cancelled`);
      if (timeout.aborted) throw new PrometheusError(`${this.label}: no answer within ${this.#timeoutMs / 1000}s`);
      throw new PrometheusError(`${this.label}: cannot connect: ${networkReason(error)}`);
    }
    return parseQueryResponse(this.label, status, body);
  }
}

/**
 * The API's envelope: `{status: "success", data: {resultType, result}, warnings?}` or
 * `{status: "error", errorType, error}` (with 400 bad_data, 422 execution, 503 timeout…).
 * Warnings mean a partial answer (e.g. a Thanos store or Mimir ingester missing); numbers that
 * quietly lack part of the data would be worse than an error, so they are refused.
 */
export function parseQueryResponse(label: string, status: number, body: string): VectorSample[] {
  const document = parseJsonOrUndefined(body);
  if (!isRecord(document)) {
    const excerpt = oneLine(body).slice(0, EXCERPT_CHARS);
    const what = status >= 200 && status <= 299 ? 'answered with something that is not the Prometheus API JSON' : `answered HTTP ${status}`;
    throw new PrometheusError(`${label}: ${what}${excerpt === '' ? '' : `: ${excerpt}`}`);
  }
  if (document['status'] === 'error' || status < 200 || status > 299) {
    const errorType = typeof document['errorType'] === 'string' ? document['errorType'] : `HTTP ${status}`;
    const message = typeof document['error'] === 'string' ? document['error'] : oneLine(body).slice(0, EXCERPT_CHARS);
    throw new PrometheusError(`${label}: ${errorType}: ${oneLine(message)}`);
  }
  const warnings = Array.isArray(document['warnings']) ? document['warnings'].filter((w): w is string => typeof w === 'string') : [];
  if (warnings.length > 0) throw new PrometheusError(`${label}: partial answer refused: ${warnings.map(oneLine).join('; ')}`);
  const data = document['data'];
  if (!isRecord(data) || data['resultType'] !== 'vector' || !Array.isArray(data['result'])) {
    const type = isRecord(data) && typeof data['resultType'] === 'string' ? data['resultType'] : 'nothing';
    throw new PrometheusError(`${label}: expected an instant vector, got ${type}`);
  }
  return data['result'].map((entry: unknown) => vectorSample(label, entry));
}

function vectorSample(label: string, entry: unknown): VectorSample {
  if (isRecord(entry) && isRecord(entry['metric']) && Array.isArray(entry['value']) && typeof entry['value'][1] === 'string') {
    return { metric: stringLabels(entry['metric']), value: parsePromFloat(entry['value'][1]) };
  }
  throw new PrometheusError(`${label}: malformed sample in the answer: ${JSON.stringify(entry).slice(0, EXCERPT_CHARS)}`);
}

/** The labels as parsed when they are all strings (always, from Prometheus); else the string ones. */
function stringLabels(labels: Record<string, unknown>): Record<string, string> {
  // Answers run to hundreds of thousands of samples: no copy unless something must be dropped.
  if (Object.values(labels).every((value) => typeof value === 'string')) return labels as Record<string, string>;
  return Object.fromEntries(Object.entries(labels).filter((pair): pair is [string, string] => typeof pair[1] === 'string'));
}

/** Prometheus writes floats as Go's strconv does: NaN, +Inf, -Inf or a decimal. */
function parsePromFloat(text: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}
