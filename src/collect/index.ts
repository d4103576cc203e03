// collect/: who to scrape (targets), fetching their /metrics (scraper), reading the exposition
// text (parser).
export type { ScrapeTarget, Workload } from './target.js';
export { targetKey } from './target.js';

export type { ExpositionFormat, ParseOptions, ParseReport, Sample, SampleVisitor, SeriesExpectation } from './parser.js';
export { formatFromContentType, parseExposition } from './parser.js';

export type { ExpositionBody, PageBody, RawBody } from './body-pieces.js';
export { bodyPieces, bodyText, isUtf8Body } from './body-pieces.js';
export { PageReader } from './page-reader.js';
export { crc32, crc32Implementation } from './crc32.js';
export type { PageRead, PageReadFailure } from './page-reader.js';
export { GetRequest, Http1Client } from './http1-client.js';
export type { ScrapeFailureReason, ScrapeOptions, ScrapeOutcome } from './scraper.js';
export {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_SCRAPE_CONCURRENCY,
  DEFAULT_SCRAPE_TIMEOUT_MS,
  SCRAPE_ACCEPT_HEADER,
  scrapeAll,
  scrapeEach,
  scrapeTarget,
} from './scraper.js';

export { loadTargetsFile, parseTargetsText, TargetsFileError } from './targets-file.js';
export { FileTargets } from './file-targets.js';
export type { FileTargetsOptions } from './file-targets.js';
export { findProcessStartTime } from './process-start.js';
export { networkReason, oneLine } from './network-reason.js';
export { formatShard, inShard, parseShard, ShardError, shardOf } from './shard.js';
export type { Shard } from './shard.js';
export { loadKubeTargets } from './kube-loader.js';
export type { KubeTargets } from './kube-loader.js';
export type { KubePodTargets, KubePodTargetsOptions } from './kube/index.js';
