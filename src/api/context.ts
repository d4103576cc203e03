// What the HTTP surfaces (/metrics, /graphql, health) read: one object built by `serve` (and by
// tests) so each surface depends on the state it needs, not on how the service was wired.
import type { ManifestProblem, SplitStore, WeightHistory } from '../splits/index.js';
import type { TrafficWindow } from '../window/index.js';
import type { ScrapeEngine } from '../ingest/index.js';
import type { StatSource } from '../stats/index.js';

export interface ServerInfo {
  readonly version: string;
  readonly source: 'scrape' | 'prometheus';
  readonly mesh: string;
  readonly minWindowMs: number;
  readonly maxWindowMs: number;
  readonly scrapeIntervalMs: number;
}

export interface ServiceContext {
  readonly info: ServerInfo;
  /** Current TrafficSplits (kept up to date by the split source). */
  readonly store: SplitStore;
  readonly source: StatSource;
  /** Scrape mode only: the engine (self metrics) and the traffic it collected (exported counters). */
  readonly engine?: ScrapeEngine | undefined;
  readonly window?: TrafficWindow | undefined;
  /** The weight changes seen since start-up, for history answers; without it, history shows today's weights throughout. */
  readonly weightHistory?: WeightHistory | undefined;
  /** Problems the split source reports (unparsable manifests, …). */
  readonly splitProblems: () => readonly ManifestProblem[];
  /** Kubernetes watch restarts so far (0 when splits do not come from a cluster). */
  readonly watchRestarts: () => number;
  readonly now: () => number;
}
