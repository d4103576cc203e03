// Access control through the whole service: a tokens file restricts what GraphQL and
// `stat ts` show; /metrics stays open unless asked; health endpoints always are.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { builtinScenario, Simulator, writeSimulatedCluster } from '../../src/sim/index.js';
import type { SimulatedClusterFiles } from '../../src/sim/index.js';
import { resolveServeConfig, startService } from '../../src/app/index.js';
import type { RunningService } from '../../src/app/index.js';
import { runCli } from '../../src/cli/index.js';

const LINK_ONLY = 'link-team-token-0123456789';
const EVERYTHING = 'prometheus-token-0123456789';

describe('serve with --auth token', () => {
  let sim: Simulator;
  let dir: string;
  let files: SimulatedClusterFiles;
  let open: RunningService;
  let guarded: RunningService;
  const openLog: string[] = [];
  const guardedLog: string[] = [];

  before(async () => {
    sim = new Simulator({ scenario: builtinScenario() });
    await sim.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-serve-auth-'));
    files = await writeSimulatedCluster(sim, dir);
    const tokensFile = path.join(dir, 'tokens.yaml');
    await writeFile(tokensFile, `tokens:\n  - { name: link-team, token: ${LINK_ONLY}, namespaces: [link] }\n  - { name: prometheus, token: ${EVERYTHING}, namespaces: all }\n`);
    const flags = { listen: '127.0.0.1:0', splits: files.splitsDir, targets: files.targetsFile, auth: 'token', authTokensFile: tokensFile };
    // The default (metricsAuth auto) guards /metrics whenever auth is on; `none` opens it on purpose.
    open = await startService(resolveServeConfig({ flags: { ...flags, metricsAuth: 'none' } }), { autoScrape: false, log: (line, level) => void openLog.push(`${level ?? 'info'}: ${line}`) });
    guarded = await startService(resolveServeConfig({ flags }), { autoScrape: false, log: (line, level) => void guardedLog.push(`${level ?? 'info'}: ${line}`) });
  });

  after(async () => {
    await open?.close();
    await guarded?.close();
    await files?.close();
    await sim?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const query = (url: string, token?: string) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
      body: JSON.stringify({ query: '{ trafficSplits { namespace name } }' }),
    });

  it('refuses GraphQL without a valid token, with 401 and WWW-Authenticate', async () => {
    for (const token of [undefined, 'wrong-token-0123456789']) {
      const response = await query(open.url, token);
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer/);
    }
  });

  it('shows each token only its namespaces', async () => {
    const linkOnly = (await (await query(open.url, LINK_ONLY)).json()) as { data: { trafficSplits: { namespace: string }[] } };
    assert.deepEqual(linkOnly.data.trafficSplits.map((split) => split.namespace), ['link']);
    const all = (await (await query(open.url, EVERYTHING)).json()) as { data: { trafficSplits: { namespace: string; name: string }[] } };
    // The demo's default namespace holds a TrafficSplit and an HTTPRoute split.
    assert.deepEqual(all.data.trafficSplits.map((split) => `${split.namespace}/${split.name}`), ['default/backend-service', 'default/web-route', 'link/server', 'shop/checkout']);
  });

  it('lets `stat ts` through with --token, and says so in one line without', async () => {
    const run = async (args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(['node', 'splitstat', 'stat', 'ts', ...args, '--server', open.url], {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
        env: {},
      });
      return { code, stdout, stderr };
    };
    const allowed = await run(['-n', 'link', '--token', LINK_ONLY]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stdout, /^NAME +APEX +LEAF/);
    const forbidden = await run(['-n', 'default', '--token', LINK_ONLY]);
    assert.equal(forbidden.code, 1);
    assert.match(forbidden.stderr, /^Error: .*not allowed to list trafficsplits in namespace "default"\n$/);
    const anonymous = await run(['-n', 'link']);
    assert.equal(anonymous.code, 1);
    assert.equal(anonymous.stderr.split('\n').length, 2);
  });

  it('guards /metrics by default when auth is on (only a token that sees every namespace reads it), keeps /healthz and /readyz open, and opens /metrics only with --metrics-auth none', async () => {
    assert.equal((await fetch(`${open.url}/metrics`)).status, 200);
    assert.equal((await fetch(`${open.url}/healthz`)).status, 200);
    const anonymous = await fetch(`${guarded.url}/metrics`);
    assert.equal(anonymous.status, 401);
    assert.ok(!(await anonymous.text()).includes('trafficsplit_'), 'nothing about any split without a token');
    assert.equal((await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${LINK_ONLY}` } })).status, 403);
    assert.equal((await fetch(`${guarded.url}/metrics`, { headers: { authorization: `Bearer ${EVERYTHING}` } })).status, 200);
    assert.equal((await fetch(`${guarded.url}/healthz`)).status, 200);
    // Opening it with access control on is said at start-up, and only then.
    assert.deepEqual(openLog.filter((line) => line.includes('/metrics is open')), [
      'warn: metricsAuth none: /metrics is open to anyone who can reach this port, and lists the splits, backends and traffic of every namespace that auth token hides',
    ]);
    assert.deepEqual(guardedLog.filter((line) => line.includes('/metrics is open')), []);
  });
});
