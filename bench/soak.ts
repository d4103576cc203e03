// Soak: `splitstat serve` on the demo's simulated mesh for a long while, with everything that
// could make a long-running server leak or stall happening all the time, and its health printed
// per minute.
// Run: npm run soak -- [--minutes N] [--interval s] [--copies n] [--json results.json]
//
// - Many clients: each simulated proxy is listed --copies times (default 20) under its own pod
//   name, so splitstat keeps that many targets' state.
// - Pod churn: every few seconds the targets file is rewritten (splitstat re-reads it): a fifth of
//   the pods leave, pods come back under new names (a restart makes a new pod), and failing
//   targets come and go (one answering HTTP 500, one on a port where nothing listens).
// - Weight changes: the demo scenario's schedule moves weights every 30 s (its manifests are
//   rewritten), repeating for as long as the soak runs.
// - GraphQL load: a query for every split with stats several times a second, a subscription
//   reopened every minute, and /metrics scraped every 10 s (the soak's own probe).
//
// splitstat keeps history for --max-window (here 5 minutes, so that its window is full early and
// memory that still grows after that is growth, not history filling up).
//
// Per minute it prints RSS (from /proc), V8 heap used, event-loop delay p99 (the worst of the
// minute), open file descriptors, active handles, and the errors seen: GraphQL answers that
// failed, /metrics answers that failed, and error lines in splitstat's log. After a warm-up (the
// first quarter, at least 6 minutes) the verdict checks that RSS and heap show no growth trend
// (the least-squares line over the rest rises less than 10 % of the mean across it) and that the
// event loop's p99 stayed under 50 ms.
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { builtinScenario, Simulator, writeSimulatedCluster } from '../src/sim/index.js';
import { freePort } from '../test/helpers/prometheus.js';

const REPO = fileURLToPath(new URL('..', import.meta.url));
const GOALS = { growth: 0.1, eventLoopP99Ms: 50 } as const;

interface Options {
  readonly minutes: number;
  readonly intervalS: number;
  readonly json: string | undefined;
  readonly copies: number;
}

function parseOptions(argv: readonly string[]): Options {
  let minutes = 20;
  let intervalS = 2;
  let json: string | undefined;
  let copies = 20;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg ?? ''} needs a value`);
      return next;
    };
    if (arg === '--minutes') minutes = Number(value());
    else if (arg === '--interval') intervalS = Number(value());
    else if (arg === '--json') json = value();
    else if (arg === '--copies') copies = Number(value());
    else throw new Error(`unknown option ${arg ?? ''} (see the header of bench/soak.ts)`);
  }
  if (!(minutes >= 1) || !(intervalS >= 1) || !(copies >= 1)) throw new Error('--minutes, --interval and --copies must be at least 1');
  return { minutes, intervalS, json, copies };
}

interface Minute {
  readonly minute: number;
  readonly rssMiB: number;
  readonly heapMiB: number;
  readonly eventLoopP99Ms: number;
  readonly openFds: number;
  readonly activeHandles: number;
  readonly graphqlAnswers: number;
  readonly graphqlErrors: number;
  readonly metricsErrors: number;
  readonly logErrors: number;
  readonly targets: number;
}

/** The sum of every sample of `name` (whatever its labels) on an exposition page. */
function total(page: string, name: string): number {
  let sum = Number.NaN;
  for (const match of page.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'gm'))) sum = (Number.isNaN(sum) ? 0 : sum) + Number(match[1]);
  return sum;
}

/** The value of the unlabelled sample `name` on an exposition page. */
function sample(page: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)`, 'm').exec(page);
  return match === null ? Number.NaN : Number(match[1]);
}

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? Number.NaN : Number(match[1]) / 1024;
}

/** Rise of the least-squares line over the points, as a fraction of their mean. */
function growth(values: readonly number[]): number {
  const n = values.length;
  if (n < 2) return 0;
  const meanX = (n - 1) / 2;
  const meanY = values.reduce((sum, v) => sum + v, 0) / n;
  let num = 0;
  let den = 0;
  values.forEach((y, x) => {
    num += (x - meanX) * (y - meanY);
    den += (x - meanX) ** 2;
  });
  return ((num / den) * (n - 1)) / meanY;
}

function writeAtomically(file: string, text: string): void {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  writeFileSync(temporary, text);
  renameSync(temporary, file);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  execFileSync('npm', ['run', '-s', 'build'], { cwd: REPO, stdio: 'inherit' });
  const workspace = mkdtempSync(path.join(tmpdir(), 'splitstat-soak-'));
  const sim = new Simulator({ scenario: { ...builtinScenario(), repeat: true } });
  await sim.start();
  const files = await writeSimulatedCluster(sim, workspace);
  sim.run();

  // A target that answers 500, and a port nothing listens on.
  const failing: Server = createServer((_request, response) => response.writeHead(500).end('internal error\n'));
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  const failingPort = (failing.address() as { port: number }).port;
  const deadPort = await freePort();

  const simTargets = sim.targets();
  let generation = 0;
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  let targetCount = 0;
  const churn = (): void => {
    generation++;
    const targets = simTargets
      .flatMap((target) => Array.from({ length: options.copies }, (_, copy) => ({ target, copy, pod: `${target.pod}-c${copy}` })))
      .filter(() => random() > 0.2)
      .map(({ target, copy, pod }) => ({
        // A targets file lists each URL once: the copies differ by a query the proxy ignores.
        url: `${target.url}?copy=${copy}`,
        namespace: target.namespace,
        // A restarted pod comes back under a new name.
        pod: random() < 0.1 ? `${pod}-r${generation}` : pod,
        ...(target.workload === undefined ? {} : { workload: `${target.workload.kind}/${target.workload.name}` }),
      }));
    if (generation % 2 === 0) targets.push({ url: `http://127.0.0.1:${failingPort}/metrics`, namespace: 'default', pod: `failing-${generation}` });
    if (generation % 3 === 0) targets.push({ url: `http://127.0.0.1:${deadPort}/metrics`, namespace: 'default', pod: `gone-${generation}` });
    targetCount = targets.length;
    writeAtomically(files.targetsFile, stringify({ targets }));
  };
  churn();

  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['dist/main.js', 'serve', '--splits', files.splitsDir, '--targets', files.targetsFile, '--listen', `127.0.0.1:${port}`, '--scrape-interval', `${options.intervalS}s`, '--max-window', '5m', '--log-format', 'json'],
    { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const pid = child.pid ?? 0;
  let logErrors = 0;
  let exited: string | undefined;
  /** The last lines splitstat wrote, to say why if it exits. */
  const lastLines: string[] = [];
  const readLog = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.includes('"level":"error"')) logErrors++;
      if (line !== '') lastLines.push(line);
    }
    lastLines.splice(0, Math.max(0, lastLines.length - 10));
  };
  child.stdout.on('data', readLog);
  child.stderr.on('data', readLog);
  let stopping = false;
  child.on('exit', (code, signal) => {
    if (stopping) return;
    exited = `splitstat exited (${code ?? signal ?? '?'})`;
    console.error(`${exited}; its last lines:\n${lastLines.join('\n')}`);
  });

  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    if ((await fetch(`${base}/readyz`).catch(() => undefined))?.ok === true) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }

  let graphqlAnswers = 0;
  let graphqlErrors = 0;
  let metricsErrors = 0;
  const query = '{ trafficSplits(window: "1m") { namespace name backends { service weight observedRatio stats { successRate rps latencyMsP99 } } } }';
  const ask = async (): Promise<void> => {
    try {
      const response = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }), signal: AbortSignal.timeout(10_000) });
      const answer = (await response.json()) as { errors?: unknown };
      if (response.ok && answer.errors === undefined) graphqlAnswers++;
      else graphqlErrors++;
    } catch {
      graphqlErrors++;
    }
  };
  // A subscription held open, reopened every minute.
  let subscription = new AbortController();
  const subscribe = (): void => {
    subscription.abort();
    subscription = new AbortController();
    const url = `${base}/graphql?query=${encodeURIComponent(`subscription { trafficSplits(interval: "2s") { name backends { service observedRatio } } }`)}`;
    fetch(url, { headers: { accept: 'text/event-stream' }, signal: subscription.signal })
      .then(async (response) => {
        if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
        const reader = response.body.getReader();
        while (!(await reader.read()).done) {
          // Events are read and dropped: the load is what matters.
        }
      })
      .catch((error: unknown) => {
        if (!(error instanceof Error && error.name === 'AbortError')) graphqlErrors++;
      });
  };

  let eventLoopWorstMs = 0;
  let lastPage = '';
  const probe = async (): Promise<void> => {
    try {
      const response = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      lastPage = await response.text();
      eventLoopWorstMs = Math.max(eventLoopWorstMs, sample(lastPage, 'nodejs_eventloop_lag_p99_seconds') * 1000);
    } catch {
      metricsErrors++;
    }
  };

  const timers = [setInterval(churn, 3000), setInterval(() => void ask(), 250), setInterval(() => void probe(), 10_000), setInterval(subscribe, 60_000)];
  subscribe();
  const minutes: Minute[] = [];
  const started = Date.now();
  console.log(`soak: ${options.minutes} min, scrape interval ${options.intervalS} s, ${simTargets.length} simulated proxies × ${options.copies} pods churning every 3 s; splitstat pid ${pid}`);
  console.log('min | RSS MiB | heap MiB | loop p99 ms | fds | handles | GraphQL ok | GraphQL err | /metrics err | log errors | targets');
  try {
    for (let minute = 1; minute <= options.minutes && exited === undefined; minute++) {
      await new Promise((resolve) => setTimeout(resolve, started + minute * 60_000 - Date.now()));
      if (exited !== undefined) break;
      await probe();
      const row: Minute = {
        minute,
        rssMiB: rssMiB(pid),
        heapMiB: sample(lastPage, 'nodejs_heap_size_used_bytes') / 1024 ** 2,
        eventLoopP99Ms: eventLoopWorstMs,
        openFds: sample(lastPage, 'process_open_fds'),
        activeHandles: total(lastPage, 'nodejs_active_handles'),
        graphqlAnswers,
        graphqlErrors,
        metricsErrors,
        logErrors,
        targets: targetCount,
      };
      minutes.push(row);
      eventLoopWorstMs = 0;
      graphqlAnswers = graphqlErrors = metricsErrors = logErrors = 0;
      console.log(
        [row.minute, row.rssMiB.toFixed(0), row.heapMiB.toFixed(1), row.eventLoopP99Ms.toFixed(1), row.openFds, row.activeHandles, row.graphqlAnswers, row.graphqlErrors, row.metricsErrors, row.logErrors, row.targets].join(' | '),
      );
    }
  } finally {
    for (const timer of timers) clearInterval(timer);
    subscription.abort();
    stopping = true;
    child.kill('SIGTERM');
    await files.close();
    await sim.stop();
    failing.close();
    rmSync(workspace, { recursive: true, force: true });
  }

  // At least the time the 5-minute window takes to fill.
  const warmup = Math.max(6, Math.ceil(minutes.length / 4));
  const after = minutes.slice(warmup);
  const rssGrowth = growth(after.map((row) => row.rssMiB));
  const heapGrowth = growth(after.map((row) => row.heapMiB));
  const worstLoop = Math.max(0, ...after.map((row) => row.eventLoopP99Ms));
  const errors = minutes.reduce((sum, row) => sum + row.graphqlErrors + row.metricsErrors + row.logErrors, 0);
  const checks = [
    { ok: exited === undefined, text: exited ?? 'splitstat ran throughout' },
    { ok: after.length >= 2, text: `${after.length} minutes after a ${warmup}-minute warm-up` },
    { ok: rssGrowth < GOALS.growth, text: `RSS trend ${(rssGrowth * 100).toFixed(1)} % < ${GOALS.growth * 100} %` },
    { ok: heapGrowth < GOALS.growth, text: `heap trend ${(heapGrowth * 100).toFixed(1)} % < ${GOALS.growth * 100} %` },
    { ok: worstLoop < GOALS.eventLoopP99Ms, text: `event-loop p99 at most ${worstLoop.toFixed(1)} ms < ${GOALS.eventLoopP99Ms} ms` },
    { ok: errors === 0, text: `${errors} errors` },
  ];
  const verdict = checks.every((check) => check.ok) ? 'meets its goals' : 'misses a goal';
  console.log(`\n${checks.map((check) => `${check.text} ${check.ok ? 'ok' : 'MISSED'}`).join(', ')} → ${verdict}`);
  if (options.json !== undefined) writeFileSync(options.json, `${JSON.stringify({ options, minutes, rssGrowth, heapGrowth, worstLoop, errors, verdict }, null, 2)}\n`);
  process.exitCode = checks.every((check) => check.ok) ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
});
