// collect/: who to scrape (targets), fetching their /metrics (scraper), reading the exposition
// text (parser).
export type { ScrapeTarget, Workload } from './target.js';
export { targetKey } from './target.js';

export type { ExpositionFormat, ParseOptions, ParseReport, Sample, SampleVisitor } from './parser.js';
export { formatFromContentType, parseExposition } from './parser.js';
export { parseGoFloat, parseGoInt64 } from './go-float.js';

export type { ScrapeFailureReason, ScrapeOptions, ScrapeOutcome } from './scraper.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_SCRAPE_CONCURRENCY,
  DEFAULT_SCRAPE_TIMEOUT_MS,
  SCRAPE_ACCEPT_HEADER,
  scrapeAll,
  scrapeTarget,
} from './scraper.js';

export { loadTargetsFile, parseTargetsText, TargetsFileError } from './targets-file.js';
export { findProcessStartTime } from './process-start.js';
export { networkReason, oneLine } from './network-reason.js';
