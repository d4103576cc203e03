// A simulated Linkerd mesh scraped by a real Prometheus the way linkerd-viz's Prometheus scrapes
// proxies: job `linkerd-proxy`, and per pod the `namespace`, `pod` and owner (`deployment`, …)
// labels that linkerd-viz adds by relabelling Kubernetes metadata, here static labels. For tests
// that compare what PromQL says with the simulator's exact truth (this directory, and the
// `stat ts --prometheus` cross-check).
//
//   const mesh = await startPrometheusMesh({ scenario: builtinScenario() });
//   const truth = await mesh.recordTraffic(8_000);   // 8 s of real traffic, then frozen and scraped
//   ... mesh.prometheus.query('sum by (dst_service) (response_total{direction="outbound"})') ...
//   await mesh.close();
import { after, before } from 'node:test';
import { normalizeTrafficSplit } from '../../src/splits/index.js';
import type { TrafficSplit } from '../../src/splits/index.js';
import type { ScrapeTarget } from '../../src/collect/index.js';
import { Simulator } from '../../src/sim/index.js';
import type { GroundTruth, Scenario } from '../../src/sim/index.js';
import { startPrometheus, staticTarget } from '../helpers/prometheus.js';
import type { RunningPrometheus, ScrapeJob } from '../helpers/prometheus.js';

/** linkerd-viz's job name for proxies. */
export const PROXY_JOB = 'linkerd-proxy';

/** The scrape job linkerd-viz would have for these proxies. */
export function linkerdVizProxyJob(targets: readonly ScrapeTarget[]): ScrapeJob {
  return {
    name: PROXY_JOB,
    // Proxy series carry no `namespace`/`pod` of their own, so nothing to honor (as in linkerd-viz).
    honorLabels: false,
    targets: targets.map((target) =>
      staticTarget(target.url, {
        namespace: target.namespace,
        pod: target.pod,
        ...(target.workload === undefined ? {} : { [target.workload.kind]: target.workload.name }),
      }),
    ),
  };
}

/**
 * Real-time traffic that can be frozen. Simulator.run() can only be ended by stop(), which also
 * closes the pods' servers; comparisons need the opposite: counters that stop moving while the
 * proxies keep answering scrapes with their final values.
 */
export class LiveTraffic {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  /** Simulated time still to come when the run was given a length (start(lengthMs)). */
  private remainingMs = Number.POSITIVE_INFINITY;

  constructor(
    private readonly sim: Simulator,
    private readonly tickMs = 100,
  ) {}

  /**
   * Runs traffic at real-time pace. Given a length, exactly that much simulated time passes by
   * stop(), however early or late stop() comes: a timer may fire before its delay has passed in
   * wall-clock time (Node measures it from the event loop's cached clock), and tests that count
   * requests must not depend on that.
   */
  start(lengthMs = Number.POSITIVE_INFINITY): void {
    if (this.timer !== undefined) return;
    this.last = Date.now();
    this.remainingMs = lengthMs;
    this.timer = setInterval(() => this.catchUp(), this.tickMs);
  }

  /** Generates the traffic up to now (or the rest of the length given), then no more. */
  stop(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.catchUp();
    if (Number.isFinite(this.remainingMs) && this.remainingMs > 0) this.sim.advance(this.remainingMs);
    this.remainingMs = 0;
  }

  private catchUp(): void {
    const now = Date.now();
    const step = Math.min(Math.max(0, now - this.last), this.remainingMs);
    if (step > 0) this.sim.advance(step);
    this.remainingMs -= step;
    this.last = now;
  }
}

export interface PrometheusMesh {
  readonly sim: Simulator;
  readonly traffic: LiveTraffic;
  readonly prometheus: RunningPrometheus;
  /**
   * Runs `ms` of traffic (at real-time pace, exactly `ms` of simulated time) after every proxy
   * has been scraped once (so each series' first sample comes at most one interval after its
   * first request), freezes it, and waits for two more scrapes (so Prometheus holds the final
   * counts). Returns the exact truth of that traffic.
   */
  recordTraffic(ms: number): Promise<GroundTruth>;
  /** When the last recordTraffic() started and froze the traffic, ms since the epoch. */
  readonly lastTraffic: { readonly startMs: number; readonly stopMs: number } | undefined;
  close(): Promise<void>;
}

export interface PrometheusMeshOptions {
  readonly scenario: Scenario;
  readonly scrapeIntervalMs?: number;
}

/** Starts the simulator's pods and a Prometheus scraping them; no traffic until traffic.start(). */
export async function startPrometheusMesh({ scenario, scrapeIntervalMs = 1000 }: PrometheusMeshOptions): Promise<PrometheusMesh> {
  const sim = new Simulator({ scenario });
  await sim.start();
  const traffic = new LiveTraffic(sim);
  let prometheus: RunningPrometheus;
  try {
    prometheus = await startPrometheus({ jobs: [linkerdVizProxyJob(sim.targets())], scrapeIntervalMs });
  } catch (error) {
    await sim.stop();
    throw error;
  }
  let lastTraffic: PrometheusMesh['lastTraffic'];
  return {
    sim,
    traffic,
    prometheus,
    get lastTraffic() {
      return lastTraffic;
    },
    async recordTraffic(ms) {
      await prometheus.waitForScrapes(PROXY_JOB, 1);
      const mark = sim.truth();
      const startMs = Date.now();
      traffic.start(ms);
      await new Promise((resolve) => setTimeout(resolve, ms));
      traffic.stop();
      lastTraffic = { startMs, stopMs: Date.now() };
      const truth = sim.truthSince(mark);
      await prometheus.waitForScrapes(PROXY_JOB, 2);
      return truth;
    },
    async close() {
      traffic.stop();
      await Promise.all([prometheus.stop(), sim.stop()]);
    },
  };
}

/**
 * Inside a describe: a Prometheus mesh of `scenario` whose `trafficMs` of traffic is recorded
 * before the tests and which is closed after them; `split()` is its first split, as a TrafficSplit.
 */
export function recordedMesh(scenario: Scenario, trafficMs: number) {
  let mesh: PrometheusMesh | undefined;
  let truth: GroundTruth | undefined;
  before(async () => {
    mesh = await startPrometheusMesh({ scenario });
    truth = await mesh.recordTraffic(trafficMs);
  });
  after(async () => {
    await mesh?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the mesh is not started: use recordedMesh() inside a describe');
    return value;
  };
  return {
    get mesh(): PrometheusMesh {
      return started(mesh);
    },
    get truth(): GroundTruth {
      return started(truth);
    },
    split(): TrafficSplit {
      const result = normalizeTrafficSplit(started(mesh).sim.splitManifests()[0]);
      if (!result.ok) throw new Error(result.error);
      return result.split;
    },
  };
}
