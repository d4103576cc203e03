// Helpers shared by the GraphQL tests: a real service context (split store, traffic window,
// ScrapeStatSource) holding known traffic, and small clients over yoga.fetch (no sockets).
// Named *.test.ts so it stays out of the build; it declares no tests itself.
import assert from 'node:assert/strict';
import type { SplitChangeListener, TrafficSplit } from '../../src/splits/index.js';
import { SplitStore, WeightHistory } from '../../src/splits/index.js';
import { createLinkerdAdapter } from '../../src/mesh/index.js';
import type { TrafficEdge } from '../../src/mesh/index.js';
import { TrafficWindow } from '../../src/window/index.js';
import type { IntervalBuilder, SourceWorkload } from '../../src/window/index.js';
import { ScrapeStatSource } from '../../src/stats/index.js';
import type { SplitStats, StatQuery, StatSource } from '../../src/stats/index.js';
import type { GraphQLOptions, GraphQLServer, ServiceContext } from '../../src/api/index.js';
import { loadGraphQL } from '../../src/api/index.js';
import { testSplit } from './splits.js';

const { createGraphQL } = await loadGraphQL();

export const NOW_MS = Date.parse('2024-05-01T12:00:00.000Z');

/** A SplitStore that knows how many listeners are attached, to prove subscriptions detach. */
export class CountingStore extends SplitStore {
  listeners = 0;

  override onChange(listener: SplitChangeListener): () => void {
    const unsubscribe = super.onChange(listener);
    this.listeners++;
    let attached = true;
    return () => {
      if (attached) this.listeners--;
      attached = false;
      unsubscribe();
    };
  }
}

/** Wraps a StatSource and records every query it is asked. */
export class RecordingSource implements StatSource {
  readonly queries: StatQuery[] = [];
  readonly #inner: StatSource;

  constructor(inner: StatSource) {
    this.#inner = inner;
  }

  stats(query: StatQuery): Promise<SplitStats[]> {
    this.queries.push(query);
    return this.#inner.stats(query);
  }

  latestMs(): number | undefined {
    // A source without its own latest end is read as of now, as StatSource says.
    return this.#inner.latestMs === undefined ? NOW_MS : this.#inner.latestMs();
  }
}

export function split(
  namespace: string,
  name: string,
  apex: string,
  backends: readonly [string, number | string][],
  labels: Record<string, string> = {},
): TrafficSplit {
  return testSplit({ namespace, name, apex, backends: backends.map(([service, weight]) => ({ service, weight })), labels });
}

const frontend: SourceWorkload = { namespace: 'default', kind: 'deployment', name: 'frontend' };
const batch: SourceWorkload = { namespace: 'jobs', kind: 'deployment', name: 'batch' };

/**
 * Two 30 s intervals ending at 60 s (a 1m window covers exactly 60 s):
 *  0–30 s   frontend → default/web: web-v1 80 ok (40 ≤ 5 ms, 40 in 5–10 ms);
 *                                   web-v2 9 ok + 1 failed (all in 50–100 ms)
 *  30–60 s  batch    → default/web: web-v1 10 ok + 10 failed (all in 10–20 ms)
 *           frontend → default/web: web-legacy (not in the split) 10 ok (≤ 1 ms)
 *           frontend → prod/web:    web-stable 30 ok (≤ 1 ms)
 */
export function trafficWindow(): TrafficWindow {
  const window = new TrafficWindow({ latencyBucketsMs: createLinkerdAdapter().latencyBucketsMs });
  const bounds = window.latencyBucketsMs;
  /** Adds n observations of at most `le` ms to every cumulative bucket from `le` up. */
  const observe = (interval: IntervalBuilder, edge: TrafficEdge, source: SourceWorkload, le: number, n: number) => {
    for (const bound of bounds) if (bound >= le) interval.addLatency(edge, source, bound, n);
  };
  const v1 = { apexNamespace: 'default', apex: 'web', leaf: 'web-v1' };
  const v2 = { apexNamespace: 'default', apex: 'web', leaf: 'web-v2' };
  const legacy = { apexNamespace: 'default', apex: 'web', leaf: 'web-legacy' };
  const stable = { apexNamespace: 'prod', apex: 'web', leaf: 'web-stable' };

  const first = window.openInterval();
  first.addResponses(v1, frontend, 'success', 80);
  observe(first, v1, frontend, 5, 40);
  observe(first, v1, frontend, 10, 40);
  first.addResponses(v2, frontend, 'success', 9);
  first.addResponses(v2, frontend, 'failure', 1);
  observe(first, v2, frontend, 100, 10);
  window.commit(first, 0, 30_000);

  const second = window.openInterval();
  second.addResponses(v1, batch, 'success', 10);
  second.addResponses(v1, batch, 'failure', 10);
  observe(second, v1, batch, 20, 20);
  second.addResponses(legacy, frontend, 'success', 10);
  observe(second, legacy, frontend, 1, 10);
  second.addResponses(stable, frontend, 'success', 30);
  observe(second, stable, frontend, 1, 30);
  window.commit(second, 30_000, 60_000);
  return window;
}

/** Splits in store order differing from namespace-then-name order ("a-b/…" < "a/…" as keys). */
export function testSplits(): TrafficSplit[] {
  return [
    split('default', 'web', 'web', [['web-v1', 90], ['web-v2', 10]], { app: 'web', tier: 'frontend' }),
    split('default', 'api', 'api', [['api-v1', '500m'], ['api-v2', '500m']], { app: 'api', tier: 'backend' }),
    split('prod', 'web', 'web', [['web-stable', 1]], { app: 'web', env: 'prod' }),
    split('a-b', 'one', 'one', [['one-v1', 1]]),
    split('a', 'two', 'two', [['two-v1', 1]], { legacy: 'true' }),
  ];
}

export interface TestSetup {
  readonly yoga: GraphQLServer;
  readonly ctx: ServiceContext;
  readonly store: CountingStore;
  readonly source: RecordingSource;
  /** What yoga logged at error level (masked internal errors). */
  readonly logged: unknown[][];
}

export function setup({ source, recordWeights = false, ...options }: GraphQLOptions & { source?: StatSource; recordWeights?: boolean } = {}): TestSetup {
  const store = new CountingStore();
  for (const s of testSplits()) store.upsert(s);
  // Changes after the test splits were stored, as a server records them from start-up.
  const weightHistory = recordWeights ? new WeightHistory(store, { retentionMs: 3_600_000, now: () => NOW_MS }) : undefined;
  const window = trafficWindow();
  const recording = new RecordingSource(source ?? new ScrapeStatSource({ window }));
  const ctx: ServiceContext = {
    info: { version: '1.2.3', source: 'scrape', mesh: 'linkerd', minWindowMs: 15_000, maxWindowMs: 3_600_000, scrapeIntervalMs: 10_000 },
    store,
    source: recording,
    window,
    weightHistory,
    splitProblems: () => [],
    watchRestarts: () => 0,
    now: () => NOW_MS,
  };
  const logged: unknown[][] = [];
  const silent = () => {};
  const logger = { debug: silent, info: silent, warn: silent, error: (...args: unknown[]) => void logged.push(args) };
  const yoga = createGraphQL(ctx, { logging: logger, ...options });
  return { yoga, ctx, store, source: recording, logged };
}

export interface GraphQLResponse {
  readonly status: number;
  readonly body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
  };
}

export async function post(yoga: GraphQLServer, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResponse> {
  const response = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as GraphQLResponse['body'] };
}

/** Asserts one error whose message matches, and returns it. */
export function onlyError(response: GraphQLResponse, message: RegExp): NonNullable<GraphQLResponse['body']['errors']>[number] {
  const errors = response.body.errors ?? [];
  assert.equal(errors.length, 1, JSON.stringify(response.body));
  const [error] = errors as [NonNullable<GraphQLResponse['body']['errors']>[number]];
  assert.match(error.message, message);
  return error;
}

/** Floats computed in another order may differ in the last bit. */
export function assertClose(actual: unknown, expected: number, what = ''): void {
  assert.equal(typeof actual, 'number', `${what}: ${String(actual)}`);
  assert.ok(Math.abs((actual as number) - expected) < 1e-9, `${what}: ${String(actual)} ≠ ${expected}`);
}
