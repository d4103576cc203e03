// ingest/: the scrape loop. Each cycle: targets → pages → what each series means (mesh/) →
// per-target counter increases → the traffic window. Only traffic of splits is kept.
export { ScrapeEngine } from './scrape-engine.js';
export type { CycleReport, ScrapeEngineOptions, ScrapeFailureReason, TargetProvider, TargetStatus } from './scrape-engine.js';
export { splitApexFilter } from './apex-filter.js';
export type { SplitTrafficFilter } from './apex-filter.js';
