// window/: per-target counter increases (resets included), per-interval traffic buckets kept for
// the longest window, histogram quantiles as Prometheus computes them, and the stat window itself.
export { PageScratch, TargetCounters } from './counter-state.js';
export { DEFAULT_MAX_SERIES_TOTAL, SeriesPool } from './series-pool.js';
export type { ObservedSeries, TargetCountersOptions } from './counter-state.js';
export { histogramQuantile } from './quantile.js';
export type { CumulativeBucket } from './quantile.js';
export { COARSE_BUCKET_MS, FINE_RETENTION_MS, TrafficWindow } from './traffic-window.js';
export type { TrafficWindowOptions, WindowTotals } from './traffic-window.js';
export { ClientEntries, IntervalBuilder, sourceKeyOf } from './interval.js';
export type { SourceSelector, SourceWorkload, TrafficMeaning } from './interval.js';
export { addTotals, commonBounds, emptyTotals } from './edge-totals.js';
export type { EdgeTotals } from './edge-totals.js';
export { checkStatWindow, DEFAULT_STAT_WINDOW, MIN_WINDOW_MS, parseStatWindow, StatWindowError } from './stat-window.js';
export type { StatWindow, StatWindowProblem } from './stat-window.js';
