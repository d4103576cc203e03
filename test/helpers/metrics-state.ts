// Helpers shared by the /metrics tests: a real ServiceContext over a real SplitStore and
// TrafficWindow, traffic committed by hand, and a reader for exposition text. Named *.test.ts so
// it stays out of the build; it declares no tests itself.
import assert from 'node:assert/strict';
import type { ManifestProblem } from '../../src/splits/index.js';
import { SplitStore } from '../../src/splits/index.js';
import { parseExposition } from '../../src/collect/index.js';
import { LINKERD_LATENCY_BUCKETS_MS } from '../../src/mesh/index.js';
import type { TrafficEdge } from '../../src/mesh/index.js';
import type { IntervalBuilder, SourceWorkload } from '../../src/window/index.js';
import { TrafficWindow } from '../../src/window/index.js';
import type { ScrapeEngine } from '../../src/ingest/index.js';
import { ScrapeStatSource } from '../../src/stats/index.js';
import type { ServiceContext } from '../../src/api/index.js';

/** Kept under its old name for the metrics tests. */
export { testSplit as split } from './splits.js';

export interface TestContext {
  readonly ctx: ServiceContext;
  readonly store: SplitStore;
  readonly window: TrafficWindow;
  problems: ManifestProblem[];
  watchRestarts: number;
}

export function testContext({ engine, window, withWindow = true }: { engine?: ScrapeEngine; window?: TrafficWindow; withWindow?: boolean } = {}): TestContext {
  const store = new SplitStore();
  const trafficWindow = window ?? new TrafficWindow({ latencyBucketsMs: LINKERD_LATENCY_BUCKETS_MS });
  const state: TestContext = {
    store,
    window: trafficWindow,
    problems: [],
    watchRestarts: 0,
    ctx: {
      info: { version: '1.2.3-test', source: 'scrape', mesh: 'linkerd', minWindowMs: 15_000, maxWindowMs: 3_600_000, scrapeIntervalMs: 10_000 },
      store,
      source: new ScrapeStatSource({ window: trafficWindow }),
      engine,
      window: withWindow ? trafficWindow : undefined,
      splitProblems: () => state.problems,
      watchRestarts: () => state.watchRestarts,
      now: () => 0,
    },
  };
  return state;
}

export const CLIENT: SourceWorkload = { namespace: 'default', kind: 'deployment', name: 'client' };

export interface EdgeTraffic {
  readonly edge: TrafficEdge;
  readonly success?: number;
  readonly failure?: number;
  /** [latency ms, how many requests took it]; every request counted here should have one. */
  readonly latencies?: readonly (readonly [number, number])[];
}

/** Adds traffic to an interval the way the scrape engine does: outcomes, every cumulative bucket, the sum. */
export function addTraffic(interval: IntervalBuilder, { edge, success = 0, failure = 0, latencies = [] }: EdgeTraffic): void {
  interval.addResponses(edge, CLIENT, 'success', success);
  interval.addResponses(edge, CLIENT, 'failure', failure);
  for (const bound of LINKERD_LATENCY_BUCKETS_MS) {
    const count = latencies.filter(([ms]) => ms <= bound).reduce((sum, [, n]) => sum + n, 0);
    interval.addLatency(edge, CLIENT, bound, count);
  }
  interval.addLatencySum(edge, CLIENT, latencies.reduce((sum, [ms, n]) => sum + ms * n, 0));
}

export function commitTraffic(window: TrafficWindow, startMs: number, endMs: number, traffic: readonly EdgeTraffic[]): void {
  const interval = window.openInterval();
  for (const edge of traffic) addTraffic(interval, edge);
  window.commit(interval, startMs, endMs);
}

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Every sample of an exposition page, read with the project's Prometheus text parser. */
export function samplesOf(text: string): Sample[] {
  const samples: Sample[] = [];
  const report = parseExposition(text, ({ name, labels, value }) => samples.push({ name, labels, value }));
  assert.equal(report.malformed, 0, `exposition has malformed lines: ${report.problems.join('; ')}`);
  return samples;
}

/** Samples of one metric name (suffix included) whose labels include `match`. */
export function select(samples: readonly Sample[], name: string, match: Readonly<Record<string, string>> = {}): Sample[] {
  return samples.filter((sample) => sample.name === name && Object.entries(match).every(([key, value]) => sample.labels[key] === value));
}

export function valueOf(samples: readonly Sample[], name: string, match: Readonly<Record<string, string>> = {}): number {
  const found = select(samples, name, match);
  assert.equal(found.length, 1, `exactly one ${name} ${JSON.stringify(match)}`);
  return (found[0] as Sample).value;
}

/** A stable identity of a sample, for comparing two scrapes. */
export function seriesKey(sample: Sample): string {
  return `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
}

export { PROMTOOL, promtoolCheck } from './promtool.js';
