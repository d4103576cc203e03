// splitstat's scrape path alone, in a process of its own: the ScrapeEngine of `splitstat serve`
// (scraper, page reader, parser, counters, sinks, traffic window) over the bench fleet, with the
// fleet's TrafficSplits, and nothing else (no HTTP server, no metrics registry, no manifest
// watcher), so that its cycles can be set beside the floor's (bench/floor-scraper.ts) in the same
// conditions. Run by bench/cycle.ts: node --import tsx bench/cycle-engine.ts config.json, where the
// file holds {"urls":[…],"intervalMs":10000,"authorities":7}; prints `cycle <n> <ms> <samples> <pods up>`
// after every cycle, as the floor prints its own line.
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { normalizeTrafficSplit, SplitStore } from '../src/splits/index.js';
import { createLinkerdAdapter } from '../src/mesh/index.js';
import { TrafficWindow } from '../src/window/index.js';
import { ScrapeEngine, splitApexFilter } from '../src/ingest/index.js';
import { FLEET_NAMESPACE } from './fleet.js';
import { linkerdSplitPage } from './proxy-payload.js';

// As src/main.ts does for every splitstat process.
setFlagsFromString('--no-flush-bytecode');

interface EngineConfig {
  readonly urls: readonly string[];
  readonly intervalMs: number;
  readonly authorities: number;
}

const config = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as EngineConfig;
// Stopped by the bench with SIGTERM: exiting normally lets `--cpu-prof` write its profile.
process.once('SIGTERM', () => process.exit(0));
const store = new SplitStore();
for (const split of linkerdSplitPage({ authorities: config.authorities }).splits) {
  const manifest = {
    apiVersion: 'split.smi-spec.io/v1alpha2',
    kind: 'TrafficSplit',
    metadata: { name: split.apex, namespace: split.namespace },
    spec: { service: split.apex, backends: split.backends },
  };
  const normalized = normalizeTrafficSplit(manifest);
  if (!normalized.ok) throw new Error(`the fleet's split ${split.namespace}/${split.apex} does not read: ${normalized.error}`);
  store.upsert(normalized.split);
}
const mesh = createLinkerdAdapter();
const window = new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs, routeLatencyBucketsMs: mesh.routeLatencyBucketsMs, layouts: mesh.layouts });
const filter = splitApexFilter(store);
const targets = config.urls.map((url, index) => ({ url, namespace: FLEET_NAMESPACE, pod: `client-${index}` }));
const engine = new ScrapeEngine({ targets: { targets: () => targets }, mesh, window, keepEdge: filter.keepEdge, edgesOfLeaf: filter.edgesOfLeaf, maxSeriesPerTarget: 100_000 });

// Cycles start on the interval, as the floor's and `serve`'s do: the next one waits for the last to end.
for (let cycle = 1; ; cycle++) {
  const started = Date.now();
  const report = await engine.runCycle();
  process.stdout.write(`cycle ${cycle} ${report.durationMs} ${report.samples} ${report.up}\n`);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, config.intervalMs - (Date.now() - started))));
}
