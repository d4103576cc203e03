// Backend latency: a lognormal through the scenario's p50 and p99. Lognormal because service
// latencies are positive with a long right tail, and two quantiles pin it down exactly.

import type { LatencySpec } from './scenario.js';

/** Standard normal quantile at 0.99. */
const Z_99 = 2.3263478740408408;

/** Samples are whole milliseconds: what the proxy records, and exact to sum and compare. */
const MAX_LATENCY_MS = 3_600_000;

export class LatencyModel {
  private readonly mu: number;
  private readonly sigma: number;

  constructor(spec: LatencySpec) {
    this.mu = Math.log(spec.p50Ms);
    this.sigma = Math.log(spec.p99Ms / spec.p50Ms) / Z_99;
  }

  /** One latency from two independent uniforms in [0, 1) (Box–Muller). */
  sample(u1: number, u2: number): number {
    // 1 - u1 is in (0, 1], so the logarithm is finite.
    const z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    const ms = Math.round(Math.exp(this.mu + this.sigma * z));
    return Math.min(ms, MAX_LATENCY_MS);
  }
}
