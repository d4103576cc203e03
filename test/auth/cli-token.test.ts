// `splitstat stat ts` against a splitstat that checks tokens (--auth token), over real HTTP:
// which token the CLI sends (--token, $SPLITSTAT_TOKEN, the kubeconfig user's), and that a
// refused token or a forbidden namespace is one clear line on stderr and exit code 1.
import { after, before, beforeEach, describe, it } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createAuth } from '../../src/api/index.js';
import { mayCarryKubeconfigToken, runCli } from '../../src/cli/index.js';
import type { CliIo } from '../../src/cli/index.js';
import { setup } from '../helpers/graphql-context.js';
import { tempDir, writeTemp } from './helpers.js';

const CI = 'ci-token-0123456789abcdef';
const KUBE = 'kube-user-token-0123456789';
const TOKENS = `tokens:
  - { name: ci, token: ${CI}, namespaces: [default, a] }
  - { name: kube-user, token: ${KUBE}, namespaces: [prod] }
`;

let server: Server;
let url: string;
let dir: string;
/** The Authorization header of every request the server received. */
let received: (string | undefined)[];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'splitstat-cli-auth-'));
  const tokensFile = join(dir, 'tokens.yaml');
  await writeFile(tokensFile, TOKENS);
  const auth = await createAuth({ mode: 'token', tokensFile });
  const { yoga } = setup({ auth: auth.graphqlContext });
  server = createServer((request, response) => {
    received.push(request.headers.authorization);
    void yoga(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  received = [];
});

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function stat(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  };
  const code = await runCli(['node', 'splitstat', 'stat', 'ts', ...args, '--server', url], io);
  return { code, stdout, stderr };
}

/** A kubeconfig whose current context uses `user`; other users and contexts around it. */
function kubeconfig(user: string, users: string): string {
  return `apiVersion: v1
kind: Config
clusters:
  - name: c
    cluster: { server: https://kube.example:6443 }
contexts:
  - name: other
    context: { cluster: c, user: nobody }
  - name: current
    context: { cluster: c, user: ${user}, namespace: prod }
current-context: current
users:
  - name: nobody
    user: { token: not-this-one-0123456789 }
${users}`;
}

async function kubeconfigFile(t: TestContext, user: string, users: string): Promise<string> {
  return writeTemp(t, 'config', kubeconfig(user, users));
}

describe('stat ts sends a token', () => {
  it('--token', async () => {
    const run = await stat(['-n', 'default', '--token', CI]);
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^NAME\s+APEX\s+LEAF/);
    assert.match(run.stdout, /\nweb\s+web\s+web-v1/);
    assert.deepEqual(received, [`Bearer ${CI}`]);
  });

  it('$SPLITSTAT_TOKEN when there is no --token; --token wins over it', async () => {
    assert.equal((await stat(['-n', 'default'], { SPLITSTAT_TOKEN: CI })).code, 0);
    assert.equal((await stat(['-n', 'default', '--token', CI], { SPLITSTAT_TOKEN: 'ignored-0123456789abc' })).code, 0);
    assert.deepEqual(received, [`Bearer ${CI}`, `Bearer ${CI}`]);
  });

  it("the current kubeconfig user's token ($KUBECONFIG), after --token and $SPLITSTAT_TOKEN", async (t) => {
    const config = await kubeconfigFile(t, 'me', `  - name: me\n    user: { token: ${KUBE} }\n`);
    const run = await stat(['-n', 'prod'], { KUBECONFIG: config });
    assert.equal(run.stderr, '');
    assert.equal(run.code, 0);
    assert.match(run.stdout, /\nweb\s+web\s+web-stable/);
    await stat(['-n', 'default'], { KUBECONFIG: config, SPLITSTAT_TOKEN: CI });
    assert.deepEqual(received, [`Bearer ${KUBE}`, `Bearer ${CI}`]);
  });

  it('a kubeconfig user with a tokenFile; $KUBECONFIG as a list with a missing file; ~/.kube/config', async (t) => {
    const dir = await tempDir(t);
    await writeFile(join(dir, 'token'), `${KUBE}\n`);
    const config = join(dir, 'config');
    await writeFile(config, kubeconfig('me', `  - name: me\n    user: { tokenFile: ${join(dir, 'token')} }\n`));
    assert.equal((await stat(['-n', 'prod'], { KUBECONFIG: [join(dir, 'missing'), config].join(delimiter) })).code, 0);

    const home = await tempDir(t);
    await mkdir(join(home, '.kube'));
    await writeFile(join(home, '.kube', 'config'), kubeconfig('me', `  - name: me\n    user: { token: ${KUBE} }\n`));
    assert.equal((await stat(['-n', 'prod'], { HOME: home })).code, 0);

    // Both: token wins, as in kubectl.
    await writeFile(config, kubeconfig('me', `  - name: me\n    user: { token: ${KUBE}, tokenFile: ${join(dir, 'missing')} }\n`));
    assert.equal((await stat(['-n', 'prod'], { KUBECONFIG: config })).code, 0);
    assert.deepEqual(received, [`Bearer ${KUBE}`, `Bearer ${KUBE}`, `Bearer ${KUBE}`]);
  });

  it('no kubeconfig, or a user with no static token (exec plugins are not run): nothing is sent', async (t) => {
    const exec = await kubeconfigFile(t, 'me', `  - name: me\n    user:\n      exec: { apiVersion: client.authentication.k8s.io/v1, command: /bin/false }\n`);
    await stat(['-n', 'default']);
    await stat(['-n', 'default'], { KUBECONFIG: exec });
    assert.deepEqual(received, [undefined, undefined]);
  });
});

describe('stat ts refused', () => {
  it('no token: one line saying a token is needed and how to give one, exit 1', async () => {
    const run = await stat(['-n', 'default']);
    assert.deepEqual(run, {
      code: 1,
      stdout: '',
      stderr: `Error: splitstat at ${url} requires a token: missing bearer token; give --token, set SPLITSTAT_TOKEN or use a kubeconfig user with a token\n`,
    });
  });

  it('a refused token: one line naming where the token came from, exit 1', async (t) => {
    assert.deepEqual(await stat(['-n', 'default', '--token', 'wrong-0123456789abcdef']), {
      code: 1,
      stdout: '',
      stderr: `Error: splitstat at ${url} refused the token: invalid bearer token (token from --token)\n`,
    });
    assert.equal(
      (await stat(['-n', 'default'], { SPLITSTAT_TOKEN: 'wrong-0123456789abcdef' })).stderr,
      `Error: splitstat at ${url} refused the token: invalid bearer token (token from $SPLITSTAT_TOKEN)\n`,
    );
    const config = await kubeconfigFile(t, 'me', `  - name: me\n    user: { token: wrong-0123456789abcdef }\n`);
    assert.equal(
      (await stat(['-n', 'default'], { KUBECONFIG: config })).stderr,
      `Error: splitstat at ${url} refused the token: invalid bearer token (token from kubeconfig user "me")\n`,
    );
  });

  it('a forbidden namespace: the FORBIDDEN message on one line, exit 1', async () => {
    assert.deepEqual(await stat(['-n', 'prod', '--token', CI]), {
      code: 1,
      stdout: '',
      stderr: `Error: splitstat at ${url}: not allowed to list trafficsplits in namespace "prod"\n`,
    });
  });

  it('-A shows only the allowed namespaces', async () => {
    const run = await stat(['-A', '--token', CI]);
    assert.equal(run.code, 0);
    const namespaces = run.stdout
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(/\s+/)[0]);
    assert.deepEqual([...new Set(namespaces)], ['a', 'default']);
  });

  it('a kubeconfig that cannot be read: one line, exit 1, nothing sent', async (t) => {
    const broken = await writeTemp(t, 'config', 'clusters: [\n');
    const run = await stat(['-n', 'default'], { KUBECONFIG: broken });
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`^Error: cannot read kubeconfig ${broken}: .* \\(give --token or set SPLITSTAT_TOKEN instead\\)\\n$`));
    assert.equal(run.stderr.split('\n').length, 2);
    assert.deepEqual(received, []);
    // A token given another way skips the kubeconfig.
    assert.equal((await stat(['-n', 'default'], { KUBECONFIG: broken, SPLITSTAT_TOKEN: CI })).code, 0);
  });
});

describe('stat ts reads the kubeconfig like kubectl', () => {
  it('defaults -n to the current context’s namespace, and --context picks another context', async (t) => {
    const file = await kubeconfigFile(t, 'alice', `  - name: alice\n    user: { token: ${KUBE} }`);
    const asProd = await stat(['-n', 'prod', '--token', KUBE]);
    const asDefault = await stat(['-n', 'default', '--token', CI]);
    assert.notEqual(asProd.stdout + asProd.stderr, asDefault.stdout + asDefault.stderr, 'the two namespaces differ');
    const current = await stat([], { KUBECONFIG: file });
    assert.deepEqual([current.code, current.stdout, current.stderr], [0, asProd.stdout, asProd.stderr]);
    const other = await stat(['--context', 'other', '--token', CI], { KUBECONFIG: file });
    assert.deepEqual([other.code, other.stdout, other.stderr], [0, asDefault.stdout, asDefault.stderr]);
    const viaFlag = await stat(['--kubeconfig', file]);
    assert.equal(viaFlag.stdout, asProd.stdout);
  });

  it('names a context that does not exist', async (t) => {
    const file = await kubeconfigFile(t, 'alice', `  - name: alice\n    user: { token: ${CI} }`);
    const run = await stat(['--context', 'nope'], { KUBECONFIG: file });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^Error: context "nope" does not exist in .*config\n$/);
  });
});

describe('where a kubeconfig token may go', () => {
  it('only over https or to this machine', () => {
    assert.equal(mayCarryKubeconfigToken('https://splitstat.example/graphql'), true);
    assert.equal(mayCarryKubeconfigToken('http://localhost:8080/graphql'), true);
    assert.equal(mayCarryKubeconfigToken('http://127.0.0.1:8080/graphql'), true);
    assert.equal(mayCarryKubeconfigToken('http://[::1]:8080/graphql'), true);
    assert.equal(mayCarryKubeconfigToken('http://splitstat.example:8080/graphql'), false);
    assert.equal(mayCarryKubeconfigToken('http://10.0.0.5:8080/graphql'), false);
  });
});

