// A simulator and the product's scrape path sharing one virtual clock, for the ground-truth tests
// of every mesh: simulated proxies served over real HTTP → scraper → parser → mesh adapter →
// counter increases → window → StatRows, each cycle one simulated interval later.
import { SplitStore } from '../../src/splits/index.js';
import type { ScrapeTarget } from '../../src/collect/index.js';
import { createLinkerdAdapter } from '../../src/mesh/index.js';
import type { MeshAdapter } from '../../src/mesh/index.js';
import { TrafficWindow } from '../../src/window/index.js';
import { ScrapeEngine, splitApexFilter } from '../../src/ingest/index.js';
import { flattenRows, ScrapeStatSource } from '../../src/stats/index.js';
import type { SplitStats, StatRow } from '../../src/stats/index.js';
import { feedSimulatedSplits, Simulator } from '../../src/sim/index.js';
import type { GroundTruth, Scenario } from '../../src/sim/index.js';

export const INTERVAL_MS = 10_000;

export interface ScrapeHarnessOptions {
  readonly scenario: Scenario;
  /** How pages are read (default: Linkerd's adapter). */
  readonly mesh?: MeshAdapter;
  /** Which of the simulator's targets to scrape (default: all). */
  readonly targets?: (all: ScrapeTarget[]) => ScrapeTarget[];
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

/** `--from`: only requests of these clients. */
export type FromSelector = { namespace?: string; kind?: string; name?: string };

export type ScrapeHarness = Awaited<ReturnType<typeof startScrapeHarness>>;

export async function startScrapeHarness({ scenario, mesh = createLinkerdAdapter(), targets = (all) => all, timeoutMs = 2000, log }: ScrapeHarnessOptions) {
  let now = 1_700_000_000_000;
  const sim = new Simulator({ scenario, now: () => now });
  await sim.start();
  const store = new SplitStore();
  const unfeed = feedSimulatedSplits(sim, store);
  const window = new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs, routeLatencyBucketsMs: mesh.routeLatencyBucketsMs, layouts: mesh.layouts });
  const filter = splitApexFilter(store);
  const engine = new ScrapeEngine({
    targets: { targets: () => targets(sim.targets()) },
    mesh,
    window,
    keepEdge: filter.keepEdge,
    edgesOfLeaf: filter.edgesOfLeaf,
    now: () => now,
    log,
    scrape: { timeoutMs },
  });
  const source = new ScrapeStatSource({ window });
  const stats = (windowMs: number, from?: FromSelector): Promise<SplitStats[]> => source.stats({ splits: store.list(), window: { text: `${windowMs / 1000}s`, ms: windowMs }, from });
  const harness = {
    sim,
    /** The shared virtual clock. */
    now: () => now,
    engine,
    store,
    window,
    /** The first cycle, which only takes baselines. */
    baseline: () => engine.runCycle(),
    /** Advances simulated traffic by one interval, then scrapes. */
    async step(): Promise<void> {
      sim.advance(INTERVAL_MS);
      now += INTERVAL_MS;
      await engine.runCycle();
    },
    /** A baseline, then `intervals` steps: the exact truth of the traffic they scraped. */
    async run(intervals: number): Promise<GroundTruth> {
      await engine.runCycle();
      const mark = sim.truth();
      for (let i = 0; i < intervals; i++) await harness.step();
      return sim.truthSince(mark);
    },
    stats,
    rows: async (windowMs: number, from?: FromSelector): Promise<StatRow[]> => flattenRows(await stats(windowMs, from)),
    async close(): Promise<void> {
      await engine.stop();
      unfeed();
      filter.dispose();
      await sim.stop();
    },
  };
  return harness;
}
