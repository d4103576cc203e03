// A good simulated proxy scraped beside hostile targets by a real ScrapeEngine, for the hostile-*
// integration tests: one TrafficSplit whose ground truth the simulator keeps, the service's own
// /metrics registry and handler served over real HTTP, and virtual time so the good numbers can be
// compared exactly. Everything listens on loopback only.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { ScrapeOptions, ScrapeTarget } from '../../src/collect/index.js';
import { createLinkerdAdapter } from '../../src/mesh/index.js';
import { TrafficWindow } from '../../src/window/index.js';
import { ScrapeEngine, splitApexFilter } from '../../src/ingest/index.js';
import type { TargetStatus } from '../../src/ingest/index.js';
import { feedSimulatedSplits, parseScenarioText, Simulator } from '../../src/sim/index.js';
import type { GroundTruth } from '../../src/sim/index.js';
import { createMetricsRegistry, metricsHandler } from '../../src/api/index.js';
import { promtoolCheck, samplesOf, testContext, valueOf } from './metrics-state.js';
import type { Sample, TestContext } from './metrics-state.js';

/** One split, shop/checkout (90/10 over two leaves), and one client calling it. */
export const CHECKOUT_SCENARIO = `
seed: 3
splits:
  - namespace: shop
    name: checkout
    apex: checkout
    backends:
      - { service: checkout-v1, weight: 90 }
      - { service: checkout-v2, weight: 10 }
clients:
  - namespace: shop
    workload: deployment/frontend
    calls:
      - { split: shop/checkout, rps: 20 }
`;

export const CHECKOUT_LEAVES = ['checkout-v1', 'checkout-v2'] as const;

/** Simulated time between two scrape cycles. */
export const PAGE_INTERVAL_MS = 10_000;

/**
 * A 2.11-style outbound response line of shop/checkout, with a value of the page's choosing: what
 * a hostile page serves when its numbers would land on the good split if they were taken.
 */
export function checkoutLine(value: string, leaf = 'checkout-v1', classification = 'success'): string {
  return `response_total{direction="outbound",authority="checkout.shop.svc.cluster.local:8080",dst_namespace="shop",dst_service="${leaf}",classification="${classification}",tls="true"} ${value}`;
}

export interface SplitBenchOptions {
  /** Scraped after the simulator's targets; read on every cycle, so it may be filled in late. */
  readonly hostileTargets: () => readonly ScrapeTarget[];
  readonly scrape?: Omit<ScrapeOptions, 'signal'>;
  readonly maxSeriesPerTarget?: number;
}

export interface BenchRun {
  /** The simulator's truth at the baseline cycle: what came after it is what must be counted. */
  readonly mark: GroundTruth;
  /** Wall-clock duration of every cycle, baseline first. */
  readonly cycleMs: readonly number[];
}

export class SplitBench {
  /** The page being served: 0 for the baseline cycle, then 1, 2, … (hostile pages may follow it). */
  page = 0;
  readonly sim: Simulator;
  readonly engine: ScrapeEngine;
  readonly t: TestContext;
  #now = 1_700_000_000_000;
  readonly #unfeed: () => void;
  readonly #filter: ReturnType<typeof splitApexFilter>;
  readonly #http: Server;
  #metricsUrl = '';
  #stopped: Promise<void> | undefined;

  private constructor({ hostileTargets, scrape, maxSeriesPerTarget }: SplitBenchOptions) {
    this.sim = new Simulator({ scenario: parseScenarioText(CHECKOUT_SCENARIO), now: () => this.#now });
    const mesh = createLinkerdAdapter();
    const window = new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs });
    this.t = testContext({ window });
    this.#unfeed = feedSimulatedSplits(this.sim, this.t.store);
    this.#filter = splitApexFilter(this.t.store);
    this.engine = new ScrapeEngine({
      targets: { targets: () => [...this.sim.targets(), ...hostileTargets()] },
      mesh,
      window,
      keepEdge: this.#filter.keepEdge,
      now: () => this.#now,
      scrape,
      ...(maxSeriesPerTarget === undefined ? {} : { maxSeriesPerTarget }),
    });
    // The service's /metrics route alone: the rest of the app has nothing to say about scraping.
    const app = express();
    app.get('/metrics', metricsHandler(createMetricsRegistry({ ...this.t.ctx, engine: this.engine }, { collectDefaultMetrics: false })));
    this.#http = createServer(app);
  }

  /** Starts the simulated proxies and the /metrics server on loopback. */
  static async start(options: SplitBenchOptions): Promise<SplitBench> {
    const bench = new SplitBench(options);
    await bench.sim.start();
    await new Promise<void>((resolve) => bench.#http.listen(0, '127.0.0.1', resolve));
    bench.#metricsUrl = `http://127.0.0.1:${(bench.#http.address() as AddressInfo).port}/metrics`;
    return bench;
  }

  /** The baseline cycle, then `pages` more, each after PAGE_INTERVAL_MS of simulated traffic. */
  async run(pages: number): Promise<BenchRun> {
    const cycleMs: number[] = [];
    const cycle = async (): Promise<void> => {
      const started = performance.now();
      await this.engine.runCycle();
      cycleMs.push(performance.now() - started);
    };
    this.page = 0;
    await cycle();
    const mark = this.sim.truth();
    for (this.page = 1; this.page <= pages; this.page++) {
      this.sim.advance(PAGE_INTERVAL_MS);
      this.#now += PAGE_INTERVAL_MS;
      await cycle();
    }
    return { mark, cycleMs };
  }

  /** GET /metrics over HTTP: asserts a 200 and a page promtool finds nothing wrong with. */
  async metrics(): Promise<Sample[]> {
    assert.notEqual(this.#metricsUrl, '', 'the bench is started');
    const response = await fetch(this.#metricsUrl, { signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    assert.equal(response.status, 200, `/metrics answered ${response.status}: ${text.slice(0, 200)}`);
    const { code, output } = await promtoolCheck(text);
    assert.equal(output.trim(), '', 'promtool reports no problems');
    assert.equal(code, 0);
    return samplesOf(text);
  }

  /**
   * Asserts that every leaf of shop/checkout counts exactly the requests the simulated client sent
   * it since `mark`, plus what a test says a hostile target legitimately added (`extra`).
   */
  assertSplitExact(samples: readonly Sample[], mark: GroundTruth, extra: Readonly<Record<string, { success?: number; failure?: number }>> = {}): void {
    const truth = this.sim.truthSince(mark);
    for (const leaf of CHECKOUT_LEAVES) {
      const served = truth.select({ namespace: 'shop', split: 'checkout', leaf });
      assert.ok(served.total > 0, `${leaf} had traffic to count`);
      for (const classification of ['success', 'failure'] as const) {
        const labels = { namespace: 'shop', trafficsplit: 'checkout', backend: leaf, classification };
        const expected = served[classification] + (extra[leaf]?.[classification] ?? 0);
        assert.equal(valueOf(samples, 'trafficsplit_backend_responses_total', labels), expected, `${leaf} ${classification}`);
      }
    }
  }

  /** The simulator's targets' statuses, each asserted up. */
  assertGoodTargetsUp(): void {
    const good = new Set(this.sim.targets().map((target) => target.url));
    const statuses = this.engine.targetStatuses().filter((status) => good.has(status.target.url));
    assert.equal(statuses.length, good.size);
    for (const status of statuses) assert.ok(status.up, `good target ${status.target.url} is up (${status.lastError ?? ''})`);
  }

  /** The status of the one target with this URL. */
  statusOf(url: string): TargetStatus {
    const found = this.engine.targetStatuses().filter((status) => status.target.url === url);
    assert.equal(found.length, 1, `one status for ${url}`);
    return found[0] as TargetStatus;
  }

  /**
   * Stops the engine and closes every server; safe to call more than once. The servers close
   * whether or not the engine's cycle ends, so a test that found a cycle hanging still lets the
   * process exit.
   */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      const engineStopped = this.engine.stop();
      this.#unfeed();
      this.#filter.dispose();
      this.#http.closeAllConnections();
      await Promise.all([this.sim.stop(), new Promise<void>((resolve) => (this.#http.listening ? this.#http.close(() => resolve()) : resolve()))]);
      await engineStopped;
    })();
    return this.#stopped;
  }
}
