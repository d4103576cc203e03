// One `stat ts` answer: ask the server, turn its answer into rows, render them.
import { graphqlRequest } from './graphql-client.js';
import type { StatRequest } from './args.js';
import type { BearerToken } from './token.js';
import { checkNamedSplitsFound, parseTrafficSplitsData, statRowsFromAnswer, TRAFFIC_SPLITS_QUERY, trafficSplitsVariables } from './query.js';
import { renderStatTs } from './table.js';
import type { RenderedOutput } from './table.js';

export interface FetchOptions {
  readonly signal?: AbortSignal | undefined;
  /** The bearer token to send (see token.ts); none when undefined. */
  readonly token?: BearerToken | undefined;
}

/** Resolves to what to print; rejects with a one-line error (GraphqlClientError, StatAnswerError). */
export async function fetchStatOutput(request: StatRequest, options: FetchOptions = {}): Promise<RenderedOutput> {
  const label = `splitstat at ${request.server}`;
  const data = await graphqlRequest({
    endpoint: request.endpoint,
    query: TRAFFIC_SPLITS_QUERY,
    variables: trafficSplitsVariables(request),
    label,
    signal: options.signal,
    token: options.token,
  });
  const splits = parseTrafficSplitsData(data, label);
  checkNamedSplitsFound(splits, request);
  return renderStatTs(statRowsFromAnswer(splits, request.to), { output: request.output, allNamespaces: request.namespace === null });
}

/** The one line a user sees for a failed answer: the message, never a stack. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `Error: ${message.replace(/\s*\n\s*/g, ' ').trim()}\n`;
}
