export { splitApexFilter } from './apex-filter.js';
export { backendStats, statRows } from './rows.js';
export { ScrapeEngine } from './scrape-engine.js';
export type { CycleReport, ScrapeEngineOptions, ScrapeFailureReason, TargetProvider, TargetStatus } from './scrape-engine.js';
export { checkWindow, MIN_WINDOW_MS, ScrapeStatSource, WindowRangeError } from './scrape-source.js';
export type { BackendStats, StatRow } from './stat-row.js';
export type { StatQuery, StatSource } from './stat-source.js';
