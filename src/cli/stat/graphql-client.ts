// A minimal GraphQL-over-HTTP client (POST JSON, fetch) whose failures are one readable line:
// a CLI user needs "cannot reach … ECONNREFUSED" or the server's own message, not a stack.

import { isRecord, parseJsonOrUndefined } from '../../util/index.js';
import { networkReason, oneLine } from '../../collect/index.js';

export class GraphqlClientError extends Error {
  override readonly name = 'GraphqlClientError';
}

export interface GraphqlRequest {
  /** The GraphQL endpoint, e.g. http://localhost:8080/graphql. */
  readonly endpoint: string;
  readonly query: string;
  readonly variables?: Readonly<Record<string, unknown>>;
  /** Names the server in messages, e.g. "splitstat at http://localhost:8080". */
  readonly label?: string;
  /** Covers connecting, the headers and the whole body. */
  readonly timeoutMs?: number;
  /** Cancels the request (e.g. Ctrl-C during `--watch`). */
  readonly signal?: AbortSignal | undefined;
  /** Read at most this much of the answer (default MAX_ANSWER_BYTES). */
  readonly maxAnswerBytes?: number | undefined;
  /** Sent as `Authorization: Bearer <value>`; `origin` names where it came from when it is refused. */
  readonly token?: { readonly value: string; readonly origin: string } | undefined;
}

export const DEFAULT_TIMEOUT_MS = 15_000;
const BODY_EXCERPT_CHARS = 200;

/** POSTs the query and returns its `data`; throws GraphqlClientError with a one-line message. */
/**
 * The most of an answer read. `stat` over 10,000 splits × 10 backends answers a few MB; a server
 * that sends more (or never ends) is cut off with a clear error, as the server caps its scrapes.
 */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export class AnswerTooLargeError extends Error {}

/** The body as text, or AnswerTooLargeError past `maxBytes` (the rest is not read). */
async function boundedText(response: Response, maxBytes: number): Promise<string> {
  const reader = response.body?.getReader();
  if (reader === undefined) return '';
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel();
      throw new AnswerTooLargeError(`more than ${maxBytes / 1024 / 1024} MiB`);
    }
    text += decoder.decode(value, { stream: true });
  }
}

export async function graphqlRequest(request: GraphqlRequest): Promise<unknown> {
  const label = request.label ?? request.endpoint;
  const timeoutMs = request.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = request.signal === undefined ? timeout : AbortSignal.any([timeout, request.signal]);

  let status: number;
  let statusText: string;
  let contentType: string;
  let body: string;
  try {
    const response = await fetch(request.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(request.token === undefined ? {} : { authorization: `Bearer ${request.token.value}` }),
      },
      body: JSON.stringify({ query: request.query, variables: request.variables ?? {} }),
      signal,
    });
    ({ status, statusText } = response);
    contentType = response.headers.get('content-type') ?? '';
    body = await boundedText(response, request.maxAnswerBytes ?? MAX_ANSWER_BYTES);
  } catch (error) {
    if (error instanceof AnswerTooLargeError) throw new GraphqlClientError(`${label} answered ${error.message}; stopped reading (narrow the request: -n, names, -l)`);
    if (request.signal?.aborted === true) throw new GraphqlClientError(`request to ${label} was cancelled`);
    if (timeout.aborted) throw new GraphqlClientError(`${label} did not answer within ${timeoutMs / 1000}s`);
    throw new GraphqlClientError(`cannot reach ${label}: ${networkReason(error)}`);
  }

  const answered = `${label} answered ${status}${statusText === '' ? '' : ` ${statusText}`}`;
  const document = contentType.includes('json') ? parseJsonOrUndefined(body) : undefined;
  if (document === undefined) {
    if (status < 200 || status > 299) throw new GraphqlClientError(withExcerpt(answered, body));
    throw new GraphqlClientError(`${answered} with ${contentType === '' ? 'no content type' : contentType}, not GraphQL JSON (is the server URL right?)`);
  }
  const messages = errorMessages(document);
  if (status === 401) throw new GraphqlClientError(unauthorized(label, request.token, messages.length > 0 ? messages.join('; ') : oneLine(body)));
  if (messages.length > 0) throw new GraphqlClientError(`${label}: ${messages.join('; ')}`);
  if (status < 200 || status > 299) throw new GraphqlClientError(withExcerpt(answered, body));
  if (!isRecord(document) || document['data'] === undefined || document['data'] === null) {
    throw new GraphqlClientError(`${label} answered without data`);
  }
  return document['data'];
}

/** A 401 says what to do next: fix the token that was sent, or send one. */
function unauthorized(label: string, token: GraphqlRequest['token'], reason: string): string {
  const why = reason === '' ? 'unauthorized' : reason.slice(0, BODY_EXCERPT_CHARS);
  if (token !== undefined) return `${label} refused the token: ${why} (token from ${token.origin})`;
  return `${label} requires a token: ${why}; give --token, set SPLITSTAT_TOKEN or use a kubeconfig user with a token`;
}

function errorMessages(document: unknown): string[] {
  if (!isRecord(document) || !Array.isArray(document['errors'])) return [];
  const messages = (document['errors'] as unknown[]).map((error) =>
    isRecord(error) && typeof error['message'] === 'string' ? error['message'] : JSON.stringify(error),
  );
  return [...new Set(messages)].map(oneLine);
}

function withExcerpt(message: string, body: string): string {
  const excerpt = oneLine(body).slice(0, BODY_EXCERPT_CHARS);
  return excerpt === '' ? message : `${message}: ${excerpt}`;
}
