export { TargetCounters } from './counter-state.js';
export type { SeriesState, TargetCountersOptions } from './counter-state.js';
export { DurationError, parseGoDuration } from './duration.js';
export { histogramQuantile } from './quantile.js';
export type { CumulativeBucket } from './quantile.js';
export { IntervalBuilder, TrafficWindow } from './traffic-window.js';
export type { EdgeTotals, SourceSelector, SourceWorkload, TrafficWindowOptions, WindowTotals } from './traffic-window.js';
