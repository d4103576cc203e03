import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoreApi } from '@kubernetes/client-node';
import { contextNamespace, KubeconfigError, kubeconfigFiles, loadKubeconfig } from './kubeconfig.js';

function kubeconfig(current: string, contexts: Record<string, string | undefined>): string {
  const entries = Object.entries(contexts)
    .map(([name, namespace]) => `- name: ${name}\n  context:\n    cluster: c\n    user: u${namespace === undefined ? '' : `\n    namespace: ${namespace}`}`)
    .join('\n');
  return `apiVersion: v1\nkind: Config\ncurrent-context: ${current}\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n${entries}\n`;
}

describe('kubeconfig for the CLI', () => {
  let dir: string;
  let main: string;
  let other: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-kubeconfig-'));
    main = path.join(dir, 'config');
    other = path.join(dir, 'other');
    await writeFile(main, kubeconfig('prod', { prod: 'shop', dev: undefined }));
    await writeFile(other, kubeconfig('staging', { staging: 'stage-ns' }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('talks plain HTTP to an http:// server, as kubectl does with `kubectl proxy`', async () => {
    const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"APIVersions","versions":["v1"]}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const file = path.join(dir, 'proxy');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await writeFile(file, kubeconfig('prod', { prod: 'shop' }).replace('https://127.0.0.1:6443', url));
      const config = loadKubeconfig({ env: {}, file });
      assert.ok(config !== undefined);
      const versions = await config.makeApiClient(CoreApi).getAPIVersions();
      assert.deepEqual(versions.versions, ['v1']);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('uses the current context’s namespace, like kubectl', () => {
    assert.equal(contextNamespace({ env: { KUBECONFIG: main } }), 'shop');
  });

  it('honours --context, and falls back to default for a context without namespace', () => {
    assert.equal(contextNamespace({ env: { KUBECONFIG: main }, context: 'dev' }), 'default');
    assert.throws(() => contextNamespace({ env: { KUBECONFIG: main }, context: 'nope' }), /context "nope" does not exist/);
  });

  it('honours --kubeconfig over $KUBECONFIG, and merges a $KUBECONFIG list with the first file winning', () => {
    assert.equal(contextNamespace({ env: { KUBECONFIG: main }, file: other }), 'stage-ns');
    const merged = loadKubeconfig({ env: { KUBECONFIG: [main, other].join(path.delimiter) } });
    assert.equal(merged?.getCurrentContext(), 'prod');
    assert.equal(contextNamespace({ env: { KUBECONFIG: [main, other].join(path.delimiter) }, context: 'staging' }), 'stage-ns');
  });

  it('reads ~/.kube/config without $KUBECONFIG', async () => {
    const home = path.join(dir, 'home');
    await mkdir(path.join(home, '.kube'), { recursive: true });
    await writeFile(path.join(home, '.kube', 'config'), kubeconfig('x', { x: 'from-home' }));
    assert.deepEqual(kubeconfigFiles({ env: { HOME: home } }), [path.join(home, '.kube', 'config')]);
    assert.equal(contextNamespace({ env: { HOME: home } }), 'from-home');
  });

  it('without any kubeconfig: the pod’s own namespace in a cluster, else default', async () => {
    const none = { env: { HOME: path.join(dir, 'nobody') } };
    assert.equal(contextNamespace(none, path.join(dir, 'no-such-file')), 'default');
    const saNamespace = path.join(dir, 'namespace');
    await writeFile(saNamespace, 'splitstat\n');
    assert.equal(contextNamespace(none, saNamespace), 'splitstat');
  });

  it('reports a kubeconfig that does not load, or a named one that is missing', async () => {
    const broken = path.join(dir, 'broken');
    await writeFile(broken, 'contexts: [');
    assert.throws(() => contextNamespace({ env: { KUBECONFIG: broken } }), (error: unknown) => error instanceof KubeconfigError && /cannot read kubeconfig .*broken/.test(error.message));
    assert.throws(() => loadKubeconfig({ env: {}, file: path.join(dir, 'missing') }), /cannot read kubeconfig .*missing: no such file/);
  });
});
