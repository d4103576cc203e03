// `splitstat demo` as a user runs it: a real process, real loopback HTTP, real files, real time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function splitstat(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--import', 'tsx', path.join(root, 'src/main.ts'), ...args], { cwd: root, timeout: 30_000 });
}

const SCENARIO = `
splits:
  - namespace: demo
    name: web
    apex: web
    backends:
      - { service: web-v1, weight: 9 }
      - { service: web-v2, weight: 1, successRate: 0.5 }
clients:
  - namespace: demo
    workload: deployment/client
    pods: 2
    calls:
      - { split: demo/web, rps: 50 }
schedule:
  - after: 1500ms
    split: demo/web
    backends: { web-v1: 0, web-v2: 1 }
`;

describe('splitstat demo', () => {
  it('scrapes the simulated proxies and follows weight changes live', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-demo-test-'));
    try {
      const scenario = path.join(dir, 'scenario.yaml');
      await writeFile(scenario, SCENARIO);
      const { stdout } = await splitstat(['demo', '--scenario', scenario, '--scrape-interval', '250ms', '-t', '15s', '--exit-after', '3500ms', '--listen', '127.0.0.1:0']);
      const tables = stdout.split('splitstat demo: ').slice(1);
      assert.ok(tables.length >= 5, `a table per cycle, got ${tables.length}`);
      const header = 'NAMESPACE   NAME   APEX   LEAF     WEIGHT   SUCCESS';
      const last = tables[tables.length - 1] ?? '';
      assert.ok(last.includes(header), last);
      const rows = last.split('\n').filter((line) => line.startsWith('demo '));
      assert.equal(rows.length, 2, last);
      // After the schedule step the manifests say 0/1; the stats cover both phases.
      assert.match(rows[0] ?? '', /^demo {8}web {4}web {4}web-v1 {8}0 {3}100\.00%\s+\d+\.\drps\s+\d+ms\s+\d+ms\s+\d+ms$/);
      assert.match(rows[1] ?? '', /^demo {8}web {4}web {4}web-v2 {8}1 {4}\d\d\.\d\d%\s+\d+\.\drps/);
      assert.ok(tables.some((table) => /web-v1\s+9\s/.test(table)), 'the first weights were shown too');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shows the same live table for your own manifests and proxies (--splits, --targets)', async () => {
    const { parseScenarioText, Simulator, writeSimulatedCluster } = await import('../../src/sim/index.js');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-live-test-'));
    const sim = new Simulator({ scenario: parseScenarioText(SCENARIO.replace(/schedule:[\s\S]*/, '')) });
    await sim.start();
    try {
      const files = await writeSimulatedCluster(sim, dir);
      sim.run(50);
      const { stdout } = await splitstat(['demo', '--splits', files.splitsDir, '--targets', files.targetsFile, '--scrape-interval', '250ms', '-t', '15s', '--exit-after', '2s', '--listen', '127.0.0.1:0']);
      assert.match(stdout, /^splitstat: proxies from .*targets\.yaml, scraped every 250ms, window 15s\. Ctrl-C stops\.\nlive page: http:\/\/127\.0\.0\.1:\d+\/ {3}GraphiQL: http:\/\/127\.0\.0\.1:\d+\/graphql {3}metrics: http:\/\/127\.0\.0\.1:\d+\/metrics$/m);
      const last = stdout.split('splitstat: ').pop() ?? '';
      assert.match(last, /^demo {8}web {4}web {4}web-v1 {8}9 {3}100\.00%\s+\d+\.\drps/m);
      await files.close();
    } finally {
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('prints the built-in scenario, which loads as a scenario', async () => {
    const { stdout } = await splitstat(['demo', '--print-scenario']);
    assert.match(stdout, /name: backend-service/);
    const { parseScenarioText } = await import('../../src/sim/index.js');
    assert.deepEqual(
      parseScenarioText(stdout).splits.map((split) => `${split.kind} ${split.namespace}/${split.name}`),
      ['TrafficSplit default/backend-service', 'TrafficSplit link/server', 'HTTPRoute default/web-route', 'TrafficSplit shop/checkout'],
    );
  });

  it('rejects a short window, a missing scenario and a bad duration with clear errors', async () => {
    await assert.rejects(splitstat(['demo', '-t', '10s']), (error: { code?: number; stderr?: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr ?? '', /metrics time window needs to be at least 15s/);
      return true;
    });
    await assert.rejects(splitstat(['demo', '--scenario', '/nonexistent/scenario.yaml']), (error: { stderr?: string }) => {
      assert.equal(error.stderr, 'Error: cannot read scenario file /nonexistent/scenario.yaml: ENOENT\n');
      return true;
    });
    await assert.rejects(splitstat(['demo', '--splits', '/nonexistent']), (error: { stderr?: string }) => {
      assert.equal(error.stderr, 'Error: --splits and --targets go together\n');
      return true;
    });
    await assert.rejects(splitstat(['demo', '--splits', root, '--targets', '/nonexistent/targets.yaml']), (error: { stderr?: string }) => {
      assert.equal(error.stderr, 'Error: cannot read targets file /nonexistent/targets.yaml: ENOENT\n');
      return true;
    });
    await assert.rejects(splitstat(['demo', '--scrape-interval', 'soon']), (error: { stderr?: string }) => {
      assert.match(error.stderr ?? '', /--scrape-interval: time: invalid duration "soon"/);
      return true;
    });
  });
});
