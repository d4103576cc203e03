// `splitstat demo`: the whole service on one machine. A simulated cluster serves real proxy
// pages (Linkerd's and Istio's sidecars) on loopback and writes its TrafficSplits and targets as files; splitstat serves them
// exactly as `splitstat serve --splits … --targets …` would and redraws `stat ts` beside it.
// With --splits and --targets it does the same for real proxies instead.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Duration } from '../go/index.js';
import { checkStatWindow } from '../window/index.js';
import { builtinScenario, DEMO_SCENARIO_YAML, loadScenarioFile, Simulator, writeSimulatedCluster } from '../sim/index.js';
import { resolveServeConfig } from '../app/index.js';
import type { ServeConfig } from '../app/index.js';
import { runLiveTable } from './live-table.js';

export interface DemoOptions {
  readonly scenarioFile?: string | undefined;
  readonly printScenario?: boolean;
  /** Real TrafficSplit manifests and proxies instead of the simulator (both or neither). */
  readonly splitsPath?: string | undefined;
  readonly targetsFile?: string | undefined;
  readonly clusterDomain?: string | undefined;
  readonly listen: string;
  readonly scrapeInterval: Duration;
  readonly window: Duration;
  readonly exitAfterMs?: number | undefined;
}

export async function runDemo(options: DemoOptions): Promise<number> {
  if (options.printScenario === true) {
    process.stdout.write(DEMO_SCENARIO_YAML);
    return 0;
  }
  const config = (splits: string, targets: string, clusterDomain: string | undefined): ServeConfig => {
    const serveConfig = resolveServeConfig({
      flags: {
        listen: options.listen,
        splits,
        targets,
        scrapeInterval: options.scrapeInterval.text,
        // A fast demo interval needs a timeout that fits inside it.
        scrapeTimeout: options.scrapeInterval.ms < 5000 ? options.scrapeInterval.text : '5s',
        ...(clusterDomain === undefined ? {} : { clusterDomain }),
      },
    });
    checkStatWindow(options.window, serveConfig.maxWindowMs);
    return serveConfig;
  };
  const every = `scraped every ${options.scrapeInterval.text}, window ${options.window.text}. Ctrl-C stops.`;
  const urls = (url: string): string => `live page: ${url}/   GraphiQL: ${url}/graphql   metrics: ${url}/metrics`;

  if (options.splitsPath !== undefined || options.targetsFile !== undefined) {
    if (options.splitsPath === undefined || options.targetsFile === undefined) throw new Error('--splits and --targets go together');
    if (options.scenarioFile !== undefined) throw new Error('--scenario simulates a mesh; it cannot be combined with --splits and --targets');
    await runLiveTable({
      ...options,
      config: config(options.splitsPath, options.targetsFile, options.clusterDomain),
      describe: (url) => `splitstat: proxies from ${options.targetsFile}, ${every}\n${urls(url)}`,
    });
    return 0;
  }

  // Fail on a bad window before starting anything.
  checkStatWindow(options.window);
  const scenario = options.scenarioFile === undefined ? builtinScenario() : await loadScenarioFile(options.scenarioFile);
  const sim = new Simulator({ scenario });
  await sim.start();
  const workspace = await mkdtemp(path.join(os.tmpdir(), 'splitstat-demo-'));
  try {
    const files = await writeSimulatedCluster(sim, workspace, (error) => process.stderr.write(`demo: cannot write manifests: ${String(error)}\n`));
    sim.run();
    await runLiveTable({
      ...options,
      config: config(files.splitsDir, files.targetsFile, scenario.clusterDomain),
      describe: (url) =>
        `splitstat demo: ${describeProxies(sim)} on loopback, ${every}\n` +
        `${urls(url)}\n` +
        `the same as: node dist/main.js serve --splits ${files.splitsDir} --targets ${files.targetsFile}`,
    });
    await files.close();
  } finally {
    await sim.stop();
    await rm(workspace, { recursive: true, force: true });
  }
  return 0;
}

/** "9 simulated proxies (7 Linkerd, 2 Istio)", or "7 simulated Linkerd proxies" when one mesh runs. */
function describeProxies(sim: Simulator): string {
  const names: Readonly<Record<string, string>> = { linkerd: 'Linkerd', istio: 'Istio', osm: 'OSM', consul: 'Consul' };
  const counts = new Map<string, number>();
  for (const pod of sim.clientPods()) counts.set(pod.mesh, (counts.get(pod.mesh) ?? 0) + 1);
  const parts = [...counts].map(([mesh, count]) => `${count} ${names[mesh] ?? mesh}`);
  const [only] = [...counts];
  if (counts.size === 1 && only !== undefined) return `${only[1]} simulated ${names[only[0]] ?? only[0]} ${only[0] === 'linkerd' ? 'proxies' : 'sidecars'}`;
  return `${sim.clientPods().length} simulated proxies (${parts.join(', ')})`;
}
