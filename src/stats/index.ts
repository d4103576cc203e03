export { splitApexFilter } from './apex-filter.js';
export { backendStats, splitStats } from './rows.js';
export { ScrapeEngine } from './scrape-engine.js';
export type { CycleReport, ScrapeEngineOptions, ScrapeFailureReason, TargetProvider, TargetStatus } from './scrape-engine.js';
export { checkWindow, MIN_WINDOW_MS, ScrapeStatSource, WindowRangeError } from './scrape-source.js';
export type { BackendStats, StatRow } from './stat-row.js';
export { flattenRows } from './stat-source.js';
export type { SplitStats, StatQuery, StatSource } from './stat-source.js';
