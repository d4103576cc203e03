// The one question every output asks: numbers for these splits over this window.
import type { TrafficSplit } from '../splits/model.js';
import type { SourceSelector } from '../window/traffic-window.js';
import type { StatRow } from './stat-row.js';

export interface StatQuery {
  readonly splits: readonly TrafficSplit[];
  readonly windowMs: number;
  /** Count only requests sent by these clients (`--from`). */
  readonly from?: SourceSelector | undefined;
}

export interface StatSource {
  /** One row per backend of every split asked for, in the order of query.splits. */
  stats(query: StatQuery): Promise<StatRow[]>;
}
