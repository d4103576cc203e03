// The promql stage: a Prometheus HTTP API client and the query schemas the prometheus stat
// source (stats/prometheus-source.ts) batches splits with.
export { DEFAULT_PROMETHEUS_TIMEOUT_MS, parseQueryResponse, PrometheusClient, PrometheusError } from './client.js';
export type { InstantQueryOptions, PrometheusClientOptions, VectorSample } from './client.js';
export { formatPromDuration, goQuote, labelList, labelMatcher, promqlRange, roundSample } from './promql-text.js';
export { batchByLength, QUANTILE_VALUES, QUANTILES, QuerySelectionError } from './schema.js';
export type { BatchQueries, QuerySchema, QuerySelection, SampleKey } from './schema.js';
export { splitstatBatchQueries, splitstatQuerySchema } from './splitstat-schema.js';
export { escapeRegexLiteral } from './promql-text.js';
