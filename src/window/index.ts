// window/: per-target counter increases (resets included), per-interval traffic buckets kept for
// the longest window, histogram quantiles as Prometheus computes them, and the stat window itself.
export { TargetCounters } from './counter-state.js';
export type { SeriesState, TargetCountersOptions } from './counter-state.js';
export { histogramQuantile } from './quantile.js';
export type { CumulativeBucket } from './quantile.js';
export { IntervalBuilder, TrafficWindow } from './traffic-window.js';
export type { EdgeTotals, SourceSelector, SourceWorkload, TrafficWindowOptions, WindowTotals } from './traffic-window.js';
