// `serve --tls-cert --tls-key` over real TLS: the certificate is served, a renewed pair written
// over the files is served without a restart, and a broken pair keeps the one in use (logged).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { builtinScenario, Simulator, writeSimulatedCluster } from '../../src/sim/index.js';
import type { SimulatedClusterFiles } from '../../src/sim/index.js';
import { resolveServeConfig, startService } from '../../src/app/index.js';
import type { RunningService } from '../../src/app/index.js';

const FIXTURES = new URL('../fixtures/tls/', import.meta.url);

/** The subject CN the server presents, and the answer's status, over a new connection. */
function presented(url: string, ca: readonly Buffer[]): Promise<{ cn: string; status: number }> {
  return new Promise((resolve, reject) => {
    const request = https.get(`${url}/healthz`, { ca: [...ca], agent: false, timeout: 5_000 }, (response) => {
      const certificate = (response.socket as TLSSocket).getPeerCertificate();
      response.resume();
      response.on('end', () => resolve({ cn: String(certificate.subject.CN), status: response.statusCode ?? 0 }));
    });
    request.on('error', reject);
    request.on('timeout', () => request.destroy(new Error('no answer')));
  });
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('splitstat serve over TLS', () => {
  let sim: Simulator;
  let dir: string;
  let files: SimulatedClusterFiles;
  let service: RunningService;
  const logged: string[] = [];
  let ca: Buffer[];

  before(async () => {
    sim = new Simulator({ scenario: builtinScenario() });
    await sim.start();
    dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-tls-'));
    files = await writeSimulatedCluster(sim, dir);
    await copyFile(new URL('first.crt', FIXTURES), path.join(dir, 'tls.crt'));
    await copyFile(new URL('first.key', FIXTURES), path.join(dir, 'tls.key'));
    ca = [await readFile(new URL('first.crt', FIXTURES)), await readFile(new URL('second.crt', FIXTURES))];
    const config = resolveServeConfig({ flags: { listen: '127.0.0.1:0', splits: files.splitsDir, targets: files.targetsFile, tlsCert: path.join(dir, 'tls.crt'), tlsKey: path.join(dir, 'tls.key') } });
    service = await startService(config, { autoScrape: false, tlsPollMs: 50, log: (line, level) => void logged.push(`${level ?? 'info'}: ${line}`) });
  });

  after(async () => {
    await service?.close();
    await files?.close();
    await sim?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with the certificate given', async () => {
    assert.match(service.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(await presented(service.url, ca), { cn: 'splitstat-first', status: 200 });
  });

  it('serves a renewed certificate without a restart, and keeps the one in use while the files are broken', async () => {
    await copyFile(new URL('second.key', FIXTURES), path.join(dir, 'tls.key'));
    await copyFile(new URL('second.crt', FIXTURES), path.join(dir, 'tls.crt'));
    await until(() => presented(service.url, ca), (answer) => answer.cn === 'splitstat-second', 'the renewed certificate');
    const warnings = () => logged.filter((line) => line.startsWith('warn: TLS certificate not reloaded')).length;
    // (Replacing the key before the certificate may already have been warned about: a pair that does not match.)
    const before = warnings();
    await writeFile(path.join(dir, 'tls.crt'), 'not a certificate\n');
    await until(() => Promise.resolve(warnings()), (count) => count > before, 'a warning');
    assert.deepEqual(await presented(service.url, ca), { cn: 'splitstat-second', status: 200 });
  });
});
