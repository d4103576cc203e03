// Wires the scrape-mode service: split source → store, targets → scrape engine → traffic window →
// stat source → HTTP surfaces. `serve`, `demo` and the end-to-end tests all start it this way.
import type { Express } from 'express';
import type { KubeConfig } from '@kubernetes/client-node';
import { SplitStore, WeightHistory } from '../splits/index.js';
import { crc32Implementation } from '../collect/index.js';
import { PrometheusClient } from '../promql/index.js';
import { meshNamed } from '../mesh/index.js';
import { MIN_WINDOW_MS, TrafficWindow } from '../window/index.js';
import { ScrapeEngine, splitApexFilter } from '../ingest/index.js';
import { PrometheusStatSource, ScrapeStatSource } from '../stats/index.js';
import type { StatSource } from '../stats/index.js';
import { createApp, createAuth, listen } from '../api/index.js';
import type { RunningServer, ServiceContext } from '../api/index.js';
import { shardedTargetInput, splitInput, targetInput } from './service-inputs.js';
import { graphqlLogger } from './log.js';
import type { Log } from './log.js';
import type { ServeConfig } from './serve-config.js';
import { VERSION } from './version.js';

export interface RunningService {
  readonly url: string;
  readonly ctx: ServiceContext;
  readonly engine: ScrapeEngine;
  close(): Promise<void>;
}

export interface StartServiceOptions {
  readonly log?: Log;
  /** Try this port first, then any free one (the demo should not fail because 8080 is taken). */
  readonly fallbackToAnyPort?: boolean;
  /** Tests drive time and scrape cycles themselves. */
  readonly now?: () => number;
  readonly autoScrape?: boolean;
  /** How often the TLS files are polled for changes. */
  readonly tlsPollMs?: number;
}

async function listenWithFallback(app: Express, config: ServeConfig, fallbackToAnyPort: boolean, log: Log, tlsPollMs: number | undefined): Promise<RunningServer> {
  const options = { tls: config.tls, log, ...(tlsPollMs === undefined ? {} : { pollMs: tlsPollMs }) };
  try {
    return await listen(app, config.listen.host, config.listen.port, options);
  } catch (error) {
    const code = error instanceof Error && 'code' in error ? String(error.code) : undefined;
    if (code === 'EADDRINUSE' && fallbackToAnyPort) return listen(app, config.listen.host, 0, options);
    if (code !== undefined) throw new Error(`cannot listen on ${config.listen.host ?? ''}:${config.listen.port}: ${code}`, { cause: error });
    throw error;
  }
}

export async function startService(
  config: ServeConfig,
  { log = () => undefined, fallbackToAnyPort = false, now = Date.now, autoScrape = true, tlsPollMs }: StartServiceOptions = {},
): Promise<RunningService> {
  // The Kubernetes client is loaded only when something asks the cluster (service-inputs.ts).
  let kubeConfig: Promise<KubeConfig> | undefined;
  const kube = (): Promise<KubeConfig> =>
    (kubeConfig ??= import('../kube/index.js').then(({ serviceKubeConfig }) => serviceKubeConfig({ kubeconfig: config.kubeconfig, context: config.context, env: process.env })));
  // A bad tokens file or missing cluster access fails start-up before anything runs.
  const auth = await createAuth(
    { mode: config.auth, tokensFile: config.authTokensFile, metricsAuth: config.metricsAuth, kubeConfig: config.auth === 'kubernetes' ? await kube() : undefined },
    { log },
  );
  if (config.auth !== 'none' && !auth.metricsProtected) {
    log(`metricsAuth none: /metrics is open to anyone who can reach this port, and lists the splits, backends and traffic of every namespace that auth ${config.auth} hides`, 'warn');
  }
  const store = new SplitStore();
  // Recording from before the first split is read, so history knows every change it may show.
  const weightHistory = new WeightHistory(store, { retentionMs: config.maxWindowMs, now });
  const splits = await splitInput(config, store, kube, log);
  const targets = shardedTargetInput(await targetInput(config, kube, log), config);
  // Files are read before listening (a wrong path is a start-up error); the cluster is not
  // waited for: its watchers retry in the background and /readyz says when they are synced.
  const starting: Promise<void>[] = [];
  for (const input of [targets, splits]) {
    if (input.waitsForCluster) {
      starting.push(input.start().catch((error: unknown) => log(`${input.description}: ${String(error)}`, 'error')));
    } else {
      await input.start().catch(async (error: unknown) => {
        await Promise.all([splits.stop(), targets.stop()]);
        weightHistory.dispose();
        throw error;
      });
    }
  }
  const mesh = meshNamed(config.mesh).createAdapter({ clusterDomain: config.clusterDomain, envoyClusterPattern: config.envoyClusterPattern });
  const window = new TrafficWindow({
    latencyBucketsMs: mesh.latencyBucketsMs,
    routeLatencyBucketsMs: mesh.routeLatencyBucketsMs,
    layouts: mesh.layouts,
    retentionMs: config.maxWindowMs,
    maxHistoryBytes: config.maxHistoryBytes,
  });
  const apexFilter = splitApexFilter(store);
  const engine = new ScrapeEngine({
    targets,
    mesh,
    window,
    keepEdge: apexFilter.keepEdge,
    edgesOfLeaf: apexFilter.edgesOfLeaf,
    scrape: { timeoutMs: config.scrapeTimeoutMs },
    maxSeriesPerTarget: config.maxSeriesPerTarget,
    maxSeriesTotal: config.maxSeriesTotal,
    now,
    log,
  });
  const scraping = config.source === 'scrape';
  const source: StatSource = scraping
    ? new ScrapeStatSource({ window })
    : new PrometheusStatSource({
        client: new PrometheusClient({ url: config.prometheusUrl ?? '', bearerToken: config.prometheusToken, headers: config.prometheusHeaders }),
        schema: config.prometheusSchema,
        envoyClusterPattern: config.envoyClusterPattern,
        now,
      });
  // Ready means a cycle has scraped the targets as they are once discovery is synced.
  let scrapedWhenSynced = false;
  engine.onCycle(() => {
    if (targets.ready && splits.ready) scrapedWhenSynced = true;
  });
  noteHistoryBudget(engine, window, log, now);
  const ctx: ServiceContext = {
    info: {
      version: VERSION,
      source: config.source,
      mesh: config.mesh,
      minWindowMs: MIN_WINDOW_MS,
      maxWindowMs: config.maxWindowMs,
      scrapeIntervalMs: config.scrapeIntervalMs,
    },
    store,
    source,
    // Only a scraping process has traffic of its own to export and scrape health to report.
    engine: scraping ? engine : undefined,
    window: scraping ? window : undefined,
    weightHistory,
    splitProblems: () => splits.problems(),
    watchRestarts: () => splits.restarts + targets.restarts,
    now,
  };
  let server: RunningServer;
  try {
    const app = createApp(ctx, {
      readiness: [
        { name: 'TrafficSplits', ready: () => splits.ready },
        ...(scraping
          ? [
              { name: 'scrape targets', ready: () => targets.ready },
              { name: 'the first scrape cycle', ready: () => scrapedWhenSynced },
            ]
          : []),
      ],
      graphql: { auth: auth.graphqlContext, maxAnswerItems: config.graphqlMaxItems, logging: graphqlLogger(log) },
      metricsGuard: auth.metricsGuard,
      hosts: { clusterDomain: config.clusterDomain, allowedHosts: config.allowedHosts },
    });
    server = await listenWithFallback(app, config, fallbackToAnyPort, log, tlsPollMs);
  } catch (error) {
    // Whatever started must stop, or a watcher would keep a failed process alive.
    await Promise.all([splits.stop(), targets.stop()]);
    apexFilter.dispose();
    weightHistory.dispose();
    throw error;
  }
  if (autoScrape && scraping) engine.start(config.scrapeIntervalMs);
  const numbers = scraping ? `scraping ${targets.description}` : `querying ${config.prometheusUrl ?? ''} (${config.prometheusSchema} series)`;
  log(`splitstat ${VERSION} serving on ${server.url}: ${numbers}, TrafficSplits from ${splits.description}`);
  if (scraping && crc32Implementation() !== 'native') {
    log(`gzip pages are checked with zlib's CRC-32: no build of @node-rs/crc32 loads on ${process.platform}-${process.arch}, so each page costs more CPU to read (README: Sizing)`, 'warn');
  }
  return {
    url: server.url,
    ctx,
    engine,
    async close() {
      await Promise.all([server.close(), engine.stop(), splits.stop(), targets.stop()]);
      await Promise.all(starting);
      apexFilter.dispose();
      weightHistory.dispose();
    },
  };
}

/**
 * Says when history starts dropping its oldest intervals for --max-history-memory: once, and
 * again only after a whole --max-window without drops (at the bound, drops come every few cycles).
 */
function noteHistoryBudget(engine: ScrapeEngine, window: TrafficWindow, log: Log, now: () => number): void {
  let dropped = window.droppedIntervalsTotal;
  let lastDropAtMs: number | undefined;
  engine.onCycle(() => {
    if (window.droppedIntervalsTotal === dropped) return;
    dropped = window.droppedIntervalsTotal;
    const at = now();
    if (lastDropAtMs === undefined || at - lastDropAtMs > window.retentionMs) {
      log(
        `history holds --max-history-memory (${sizeText(window.maxHistoryBytes)}): its oldest intervals are dropped, and stat windows cover less than --max-window (give the targets their workload, raise the limit, or shorten --max-window)`,
        'warn',
      );
    }
    lastDropAtMs = at;
  });
}

/** A memory size as people write it: MiB from 1 MiB up, KiB below. */
function sizeText(bytes: number): string {
  return bytes >= 1024 ** 2 ? `${Math.round(bytes / 1024 ** 2)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}
