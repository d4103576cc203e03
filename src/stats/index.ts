// stats/: the StatSource interface and its two implementations (scrape: from the traffic window in
// memory; prometheus: batched PromQL), both answering in StatRows with Linkerd's semantics.
export { backendStats, splitStats } from './rows.js';
export { ScrapeStatSource } from './scrape-source.js';
export type { BackendStats, StatRow } from './stat-row.js';
export { flattenRows } from './stat-source.js';
export type { SplitStats, StatQuery, StatSource } from './stat-source.js';
export { PROMETHEUS_SCHEMA_NAMES, PrometheusStatSource } from './prometheus-source.js';
export type { InstantQuerier, PrometheusSchemaName, PrometheusStatQuery } from './prometheus-source.js';
export { addCount, emptyAccumulator, latencyMs, splitStatsFromAnswers } from './prometheus-answers.js';
export { historyEnds, historyPointCount, MAX_HISTORY_POINTS, statsHistory } from './history.js';
export type { HistoryPoint, HistoryShape } from './history.js';
