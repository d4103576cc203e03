// No Docker engine here: this test runs the Dockerfile's own build and start steps outside
// Docker. Each stage is replayed in a temporary directory (COPY from the .dockerignore-filtered
// context, `npm ci`, `npm run build`, the runtime stage's `npm ci --omit=dev` and its COPYs), then
// the image's ENTRYPOINT + CMD is started with flags appended, as the Deployment's args do, on a
// read-only tree, as the image's USER when the test runs as root, with only a temporary
// directory writable (the emptyDir at /tmp), until /readyz answers 200. npm may use the network
// (the registry) but prefers its cache; everything else is loopback.
import { after, before, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildContextFiles, DockerIgnore, readDockerfile, ROOT } from './dockerfile.js';
import { hostPath, replayStages } from './replay.js';
import type { ReplayedStage } from './replay.js';

// Typically 30-40 s in all; the bounds keep the whole file under four minutes.
const BUILD_BUDGET_MS = 170_000;
const START_BUDGET_MS = 30_000;

/** RUN steps get the host's environment minus what would change their meaning here. */
function runEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value === undefined) continue;
    // The test runner's, npm script's and splitstat's own variables are not the image's.
    if (/^(NODE_OPTIONS|NODE_ENV|NODE_TEST_CONTEXT|INIT_CWD)$|^SPLITSTAT_/.test(key)) continue;
    if (key.startsWith('npm_') && !key.startsWith('npm_config_')) continue;
    env[key] = value;
  }
  env.PATH = `${path.dirname(process.execPath)}:${env.PATH ?? '/usr/local/bin:/usr/bin:/bin'}`;
  // The registry is reachable, but the cache (what a BuildKit cache mount would hold) is faster.
  env.npm_config_prefer_offline = 'true';
  env.npm_config_update_notifier = 'false';
  return env;
}

/** Path → size and mtime of everything under dir, to prove nothing was written. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const entries = await readdir(dir, { recursive: true });
  const result = new Map<string, string>();
  for (const entry of entries) {
    const info = await lstat(path.join(dir, entry));
    result.set(entry, `${info.size}:${info.mtimeMs}`);
  }
  return result;
}

function changes(before: Map<string, string>, after: Map<string, string>): string[] {
  const changed: string[] = [];
  for (const [entry, value] of after) if (before.get(entry) !== value) changed.push(before.has(entry) ? `modified ${entry}` : `created ${entry}`);
  for (const entry of before.keys()) if (!after.has(entry)) changed.push(`deleted ${entry}`);
  return changed.sort();
}

function chmodTree(mode: string, dir: string): void {
  const result = spawnSync('chmod', ['-R', mode, dir], { timeout: 30_000 });
  assert.equal(result.status, 0, `chmod -R ${mode}: ${result.stderr.toString()}`);
}

/** A Linkerd proxy's /metrics page with one outbound route; the counter grows on every scrape. */
function startFakeProxy(): Promise<{ url: string; scrapes: () => number; close: () => Promise<void> }> {
  let scrapes = 0;
  const server = http.createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    scrapes += 1;
    const labels = 'direction="outbound",authority="web.shop.svc.cluster.local:8080",dst_namespace="shop",dst_service="web-v1",tls="true",status_code="200"';
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    response.end(
      [
        '# HELP response_total Total count of HTTP responses.',
        '# TYPE response_total counter',
        `response_total{${labels},classification="success"} ${100 * scrapes}`,
        '',
      ].join('\n'),
    );
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}/metrics`,
        scrapes: () => scrapes,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

const SPLIT = `apiVersion: split.smi-spec.io/v1alpha2
kind: TrafficSplit
metadata:
  name: web
  namespace: shop
spec:
  service: web
  backends:
    - service: web-v1
      weight: 90
    - service: web-v2
      weight: 10
`;

describe('the Dockerfile, built and started outside Docker', { timeout: 230_000 }, () => {
  let workspace = '';
  let stages: ReplayedStage[] | undefined;

  before(async () => {
    workspace = await mkdtemp(path.join(os.tmpdir(), 'splitstat-image-'));
    // mkdtemp makes it private; the image's USER must be able to reach the runtime stage below.
    await chmod(workspace, 0o755);
  });

  after(async () => {
    if (workspace === '') return;
    // The runtime tree was made read-only; give write back so it can be removed.
    if (existsSync(workspace)) chmodTree('u+w', workspace);
    await rm(workspace, { recursive: true, force: true });
  });

  it('builds both stages: npm ci, npm run build, then production dependencies only', { timeout: BUILD_BUDGET_MS + 5_000 }, async (t: TestContext) => {
    const image = await readDockerfile();
    const ignore = new DockerIgnore(await readFile(path.join(ROOT, '.dockerignore'), 'utf8'));
    const contextFiles = await buildContextFiles(ROOT, ignore);
    stages = await replayStages(image.stages, {
      contextDir: ROOT,
      contextFiles,
      workspace,
      runEnv: runEnvironment(),
      deadline: Date.now() + BUILD_BUDGET_MS,
      log: (line) => t.diagnostic(line),
    });

    const runtime = stages.at(-1);
    assert.ok(runtime !== undefined);
    const app = hostPath(runtime.root, runtime.workdir);
    for (const needed of ['dist/main.js', 'package.json', 'node_modules/graphql-yoga/package.json']) {
      assert.ok(existsSync(path.join(app, needed)), `${needed} in the runtime stage`);
    }
    assert.ok((await readdir(path.join(app, 'schema'))).some((file) => file.endsWith('.graphql')), 'schema/*.graphql in the runtime stage');
    for (const absent of ['src', 'tsconfig.json', 'test']) assert.ok(!existsSync(path.join(app, absent)), `${absent} stays in the build stage`);
    const compiled = await readdir(path.join(app, 'dist'), { recursive: true });
    assert.deepEqual(compiled.filter((file) => /\.test\.js$/.test(file)), [], 'no compiled tests in dist/');

    // Every package the lockfile marks dev-only must be missing from the runtime stage.
    const lock = JSON.parse(await readFile(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages).filter(([key, entry]) => key !== '' && entry.dev === true).map(([key]) => key);
    assert.ok(devOnly.includes('node_modules/typescript'));
    assert.deepEqual(devOnly.filter((key) => existsSync(path.join(app, key))), [], 'dev dependencies in the runtime stage');
    assert.equal(runtime.env.NODE_ENV, 'production');
  });

  it('runs ENTRYPOINT + CMD with flags on a read-only tree as the image USER; /readyz turns 200', { timeout: START_BUDGET_MS + 15_000 }, async (t: TestContext) => {
    const runtime = stages?.at(-1);
    assert.ok(runtime !== undefined, 'the build step must succeed first');
    const image = await readDockerfile();
    const app = hostPath(runtime.root, runtime.workdir);

    // Inputs the process reads, and the one writable directory (the Deployment's emptyDir /tmp).
    const inputs = path.join(workspace, 'inputs');
    const tmp = path.join(workspace, 'tmp');
    await mkdir(path.join(inputs, 'splits'), { recursive: true, mode: 0o755 });
    await mkdir(tmp, { mode: 0o755 });
    await chmod(tmp, 0o1777);
    const proxy = await startFakeProxy();
    await writeFile(path.join(inputs, 'splits', 'web.yaml'), SPLIT, { mode: 0o644 });
    await writeFile(path.join(inputs, 'targets.yaml'), `targets:\n  - url: ${proxy.url}\n    namespace: shop\n    pod: client-0\n`, { mode: 0o644 });

    chmodTree('a-w', runtime.root);
    const before = await snapshot(runtime.root);

    const argv = [...image.entrypoint, ...image.cmd, '--splits', path.join(inputs, 'splits'), '--targets', path.join(inputs, 'targets.yaml'), '--listen', '127.0.0.1:0'];
    let command = argv;
    const asRoot = process.getuid?.() === 0;
    const setpriv = spawnSync('setpriv', ['--version']).status === 0;
    const switchUser = image.user !== undefined && asRoot && setpriv;
    if (switchUser) {
      command = ['setpriv', `--reuid=${image.user.uid}`, `--regid=${image.user.gid}`, '--clear-groups', '--', ...argv];
    } else {
      // Not root: already unprivileged, so the read-only tree holds. Root without setpriv: the
      // write check below (a before/after snapshot) is what catches writes.
      t.diagnostic(`running as uid ${String(process.getuid?.())}: ${asRoot ? 'setpriv is not available' : 'not root, cannot switch user'}`);
    }
    const [program, ...args] = command;
    assert.ok(program !== undefined);
    // The image's environment: its ENV, PATH to node, HOME at the image root (a UID without a
    // passwd entry gets /), and the emptyDir as the temporary directory.
    const env = { PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`, HOME: runtime.root, TMPDIR: tmp, ...runtime.env };
    const child = spawn(program, args, { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const started = Date.now();
    try {
      const deadline = started + START_BUDGET_MS;
      let url: string | undefined;
      // A start-up error is one `Error:` line on stderr; stop waiting for it to serve then.
      while (url === undefined && Date.now() < deadline && child.exitCode === null && !/^Error: /m.test(stderr)) {
        url = /serving on (http:\/\/\S+):/.exec(stderr)?.[1];
        if (url === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(url !== undefined, `no "serving on" line:\n${stderr}`);
      let status = 0;
      let body = '';
      while (status !== 200 && Date.now() < deadline) {
        const response = await fetch(`${url}/readyz`);
        [status, body] = [response.status, await response.text()];
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(status, 200, `/readyz: ${body}\n${stderr}`);
      t.diagnostic(`ready ${Date.now() - started} ms after start`);
      assert.ok(proxy.scrapes() >= 1, 'the loopback proxy was scraped');
      if (switchUser && image.user !== undefined && existsSync(`/proc/${String(child.pid)}/status`)) {
        // setpriv execs node in place, so the pid is the server's: its real and effective UID.
        const uids = /^Uid:\s+(\d+)\s+(\d+)/m.exec(await readFile(`/proc/${String(child.pid)}/status`, 'utf8'));
        assert.deepEqual([Number(uids?.[1]), Number(uids?.[2])], [image.user.uid, image.user.uid], 'the server runs as the image USER');
      }

      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      // The live page and its chart library, from ui/ and the runtime's node_modules.
      for (const file of ['/', '/ui/app.js', '/ui/vendor/uPlot.iife.min.js']) assert.equal((await fetch(`${url}${file}`)).status, 200, file);
      // package.json and schema/ are read relative to dist/: the version and the GraphQL API prove
      // the runtime layout is complete.
      const { version } = JSON.parse(await readFile(path.join(app, 'package.json'), 'utf8')) as { version: string };
      const metrics = await (await fetch(`${url}/metrics`)).text();
      assert.match(metrics, new RegExp(`^splitstat_build_info\\{version="${version.replace(/\./g, '\\.')}"\\} 1$`, 'm'));
      assert.match(metrics, /^trafficsplit_info\{[^}]*trafficsplit="web"[^}]*\} 1$/m);
      assert.match(metrics, /^splitstat_scrape_targets\{state="up"\} 1$/m);
      const graphql = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ trafficSplits { namespace name backends { service weight } } }' }),
      });
      assert.deepEqual(await graphql.json(), {
        data: { trafficSplits: [{ namespace: 'shop', name: 'web', backends: [{ service: 'web-v1', weight: '90' }, { service: 'web-v2', weight: '10' }] }] },
      });

      const stopping = Date.now();
      child.kill('SIGTERM');
      const [code] = await exited;
      assert.equal(code, 0, stderr);
      assert.ok(Date.now() - stopping < 5_000, `exited ${Date.now() - stopping} ms after SIGTERM`);
      assert.deepEqual(changes(before, await snapshot(runtime.root)), [], 'the process wrote inside the image');
      assert.doesNotMatch(stderr, /EACCES|EROFS|permission denied/i);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await proxy.close();
    }
  });
});
