// `splitstat serve` as a process: configuration errors, help, readiness, and a clean SIGTERM.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseScenarioText, Simulator, writeSimulatedCluster } from '../../src/sim/index.js';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const main = path.join(root, 'src/main.ts');

const SCENARIO = `
splits:
  - { namespace: shop, name: web, apex: web, backends: [{ service: web-v1, weight: 1 }] }
clients:
  - { namespace: shop, workload: deployment/client, calls: [{ split: shop/web, rps: 20 }] }
`;

describe('splitstat serve', () => {
  it('documents every flag with its default and environment variable', async () => {
    const { stdout: help } = await run(process.execPath, ['--import', 'tsx', main, 'serve', '--help'], { cwd: root, timeout: 30_000 });
    const stdout = help.replace(/\s+/g, ' ');
    for (const flag of ['--config', '--listen', '--splits', '--targets', '--kubeconfig', '--context', '--namespace', '--selector', '--admin-port', '--source', '--mesh', '--cluster-domain', '--scrape-interval', '--scrape-timeout', '--max-window', '--max-history-memory', '--max-series-per-target', '--max-series-total', '--graphql-max-items', '--log-format', '--auth', '--auth-tokens-file', '--metrics-auth', '--shard']) {
      assert.ok(stdout.includes(flag), `${flag} in --help`);
    }
    assert.match(stdout, /--listen <value> address to serve on: \[host\]:port \(default: :8080; env SPLITSTAT_LISTEN\)/);
    assert.ok(stdout.includes('--splits <value> splits (TrafficSplits, weighted HTTPRoutes): "kube" (watch the cluster) or a YAML/JSON manifest file or directory (watched) (required; env SPLITSTAT_SPLITS)'));
    // Optional settings without a default are not marked required.
    assert.match(stdout, /--context <value> kubeconfig context [^(]*\(env SPLITSTAT_CONTEXT\)/);
  });

  it('stops quietly, exit code 0, when its reader goes away (serve --help | head)', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', '--help'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader is gone before the help is written: every write meets a closed pipe (EPIPE).
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });

  it('refuses a bad configuration with every problem named, exit code 1', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-serve-config-'));
    try {
      const config = path.join(dir, 'splitstat.yaml');
      await writeFile(config, 'splits: ./s\ntargets: ./t.yaml\nmesh: kuma\nverbose: true\n');
      await assert.rejects(run(process.execPath, ['--import', 'tsx', main, 'serve', '--config', config, '--scrape-interval', 'often'], { cwd: root, timeout: 30_000, env: { ...process.env, SPLITSTAT_CONFIG: '' } }), (error: { code?: number; stderr?: string }) => {
        assert.equal(error.code, 1);
        assert.equal(
          error.stderr,
          `Error: ${config}: unknown key "verbose"; known keys: listen, splits, targets, kubeconfig, context, namespace, selector, adminPort, source, prometheusUrl, prometheusSchema, prometheusToken, prometheusHeaders, mesh, envoyClusterPattern, clusterDomain, scrapeInterval, scrapeTimeout, maxWindow, maxHistoryMemory, maxSeriesPerTarget, maxSeriesTotal, graphqlMaxItems, logFormat, auth, authTokensFile, metricsAuth, allowedHosts, tlsCert, tlsKey, shard\n` +
            'mesh: "kuma" is not supported; allowed: auto, linkerd, istio, osm, consul, envoy\n' +
            'scrapeInterval: time: invalid duration "often" (Go duration syntax: 10s, 1m, 1h30m)\n',
        );
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('becomes ready, serves, and on SIGTERM stops accepting, ends open streams and exits 0 within 5 s', { timeout: 60_000 }, async () => {
    const sim = new Simulator({ scenario: parseScenarioText(SCENARIO) });
    await sim.start();
    sim.run(50);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-serve-'));
    const files = await writeSimulatedCluster(sim, dir);
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', '--splits', files.splitsDir, '--targets', files.targetsFile, '--listen', '127.0.0.1:0', '--scrape-interval', '500ms', '--scrape-timeout', '400ms'], {
      cwd: root,
      env: { ...process.env, SPLITSTAT_CONFIG: '' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const deadline = Date.now() + 30_000;
      while (!/serving on (http:\/\/\S+):/.test(stderr) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      const url = /serving on (http:\/\/\S+):/.exec(stderr)?.[1];
      assert.ok(url !== undefined, stderr);
      let ready = 0;
      while (ready !== 200 && Date.now() < deadline) {
        ready = (await fetch(`${url}/readyz`)).status;
        if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(ready, 200);

      // An open subscription: a request that never finishes by itself.
      const stream = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: 'subscription { weightChanges { name } }' }),
      });
      assert.equal(stream.status, 200);
      const reading = stream.text().then(
        () => 'ended',
        () => 'cut',
      );

      const started = Date.now();
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      assert.equal(code, 0, stderr);
      assert.ok(Date.now() - started < 5_000, `exited after ${Date.now() - started} ms`);
      assert.match(await reading, /ended|cut/);
      await assert.rejects(fetch(`${url}/healthz`), 'no longer accepting');
      // stderr is a pipe here: every event is one JSON line, the shutdown among them.
      const entries = stderr
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as { time: string; level: string; msg: string });
      assert.ok(entries.every((entry) => Number.isFinite(Date.parse(entry.time)) && ['info', 'warn', 'error'].includes(entry.level)), stderr);
      assert.ok(entries.some((entry) => entry.msg === 'SIGTERM: shutting down'), stderr);
      assert.match(stderr, /SIGTERM: shutting down/);
    } finally {
      child.kill('SIGKILL');
      await files.close();
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
