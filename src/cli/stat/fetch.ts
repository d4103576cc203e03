// One `stat ts` answer: ask the server, turn its answer into rows, render them.
import { isRecord } from '../../util/index.js';
import { graphqlRequest } from './graphql-client.js';
import type { StatRequest } from './args.js';
import type { BearerToken } from './token.js';
import {
  checkNamedSplitsFound,
  isUnknownKindArgument,
  LEGACY_TRAFFIC_SPLITS_QUERY,
  parseTrafficSplitsData,
  StatAnswerError,
  statRowsFromAnswer,
  TRAFFIC_SPLITS_QUERY,
  trafficSplitsVariables,
} from './query.js';
import { renderStat } from './render.js';
import type { RenderedOutput } from './table.js';

export interface FetchOptions {
  readonly signal?: AbortSignal | undefined;
  /** The bearer token to send (see token.ts); none when undefined. */
  readonly token?: BearerToken | undefined;
}

/** Resolves to what to print; rejects with a one-line error (GraphqlClientError, StatAnswerError). */
export async function fetchStatOutput(request: StatRequest, options: FetchOptions = {}): Promise<RenderedOutput> {
  const label = `splitstat at ${request.server}`;
  // -o wide is splitstat's own view: it also says what the numbers cannot tell apart.
  // HTTPRoute splits are counted per route, exactly: nothing to say about them.
  const note = request.output === 'wide' && request.kind === 'TrafficSplit' ? generationsNote(request, options) : Promise.resolve('');
  const ask = (query: string, variables: Readonly<Record<string, unknown>>) =>
    graphqlRequest({ endpoint: request.endpoint, query, variables, label, signal: options.signal, token: options.token });
  const variables = trafficSplitsVariables(request);
  const data = await ask(TRAFFIC_SPLITS_QUERY, variables).catch((error: unknown) => {
    // A server from before HTTPRoute splits serves TrafficSplits only, without a `kind` argument.
    if (!isUnknownKindArgument(error)) throw error;
    if (request.kind !== 'TrafficSplit') throw new StatAnswerError(`${label} does not serve HTTPRoute splits (it is older than them)`);
    const { kind: _kind, ...legacy } = variables;
    return ask(LEGACY_TRAFFIC_SPLITS_QUERY, legacy);
  });
  const splits = parseTrafficSplitsData(data, label);
  checkNamedSplitsFound(splits, request);
  const output = renderStat(statRowsFromAnswer(splits, request.to), request.kind, { output: request.output, allNamespaces: request.namespace === null });
  return { stdout: output.stdout, stderr: output.stderr + (output.stdout === '' ? '' : await note) };
}

const GENERATIONS_QUERY = '{ serverInfo { targetGenerations { generation targets } } }';

/**
 * A line for stderr when the server reads some proxies as Linkerd 2.13+, whose numbers include
 * direct calls to a backend (README: Which Linkerd). Best effort: a server too old to say, or one
 * in prometheus mode, gets no note.
 */
async function generationsNote(request: StatRequest, options: FetchOptions): Promise<string> {
  try {
    const data = await graphqlRequest({ endpoint: request.endpoint, query: GENERATIONS_QUERY, signal: options.signal, token: options.token });
    const generations = isRecord(data) && isRecord(data.serverInfo) && Array.isArray(data.serverInfo.targetGenerations) ? data.serverInfo.targetGenerations : [];
    let total = 0;
    let leafNamed = 0;
    for (const entry of generations) {
      if (!isRecord(entry) || typeof entry.targets !== 'number') continue;
      total += entry.targets;
      if (entry.generation === 'linkerd-2.13') leafNamed += entry.targets;
    }
    if (leafNamed === 0) return '';
    return (
      `Note: ${leafNamed} of ${total} proxies run Linkerd 2.13 or later, whose metrics name only the backend: ` +
      "a client's direct calls to a backend count as split traffic if it also calls the split's apex, and a backend shared by two splits it calls counts for both.\n"
    );
  } catch {
    return '';
  }
}

/** The one line a user sees for a failed answer: the message, never a stack. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `Error: ${message.replace(/\s*\n\s*/g, ' ').trim()}\n`;
}
