// `splitstat stat ts` end to end, in-process: runCli with captured output against a real GraphQL
// server (graphql-yoga over HTTP on loopback) built from schema/splitstat.graphql with canned
// answers. Outputs are compared byte for byte with Linkerd's goldens and real-world captures.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { runCli } from '../../src/cli/index.js';
import type { CliIo } from '../../src/cli/index.js';

const fixtures = new URL('../fixtures/cli/', import.meta.url);
const typeDefs = readFileSync(new URL('../../schema/splitstat.graphql', import.meta.url), 'utf8');

function golden(name: string): string {
  return readFileSync(new URL(name, fixtures), 'utf8');
}

/** A real-world capture: the first line is the command that was run, the rest its output. */
function captured(name: string): { args: string[]; output: string } {
  const text = golden(name);
  const newline = text.indexOf('\n');
  const words = text.slice(0, newline).trim().split(/\s+/);
  return { args: words.slice(words.indexOf('stat') + 1), output: text.slice(newline + 1) };
}

// ---- canned answers in the API's shape

interface Traffic {
  readonly success: number;
  readonly failure: number;
  readonly windowSeconds?: number;
  readonly latencies?: readonly [number, number, number];
}

interface BackendSpec {
  readonly service: string;
  readonly weight: string;
  readonly weightRatio?: number | null;
  readonly observedRatio?: number | null;
  readonly traffic?: Traffic;
}

function stats({ success, failure, windowSeconds = 60, latencies = [0, 0, 0] }: Traffic) {
  const total = success + failure;
  return {
    window: '1m',
    windowSeconds,
    successCount: success,
    failureCount: failure,
    successRate: success / total,
    rps: total / windowSeconds,
    latencyMsP50: latencies[0],
    latencyMsP95: latencies[1],
    latencyMsP99: latencies[2],
  };
}

function split(namespace: string, name: string, apex: string, backends: readonly BackendSpec[]) {
  return {
    namespace,
    name,
    apiVersion: 'split.smi-spec.io/v1alpha2',
    apex,
    labels: [],
    issues: [],
    stats: null,
    backends: backends.map((backend) => {
      const value = Number(backend.weight.replace(/m$/, 'e-3').replace(/k$/, 'e3'));
      return {
        service: backend.service,
        weight: backend.weight,
        weightValue: Number.isFinite(value) ? value : null,
        weightRatio: backend.weightRatio ?? null,
        observedRatio: backend.observedRatio ?? null,
        stats: backend.traffic === undefined ? null : stats(backend.traffic),
      };
    }),
  };
}

type CannedSplit = ReturnType<typeof split>;

// Linkerd's own test input: two leaves, 123 successes each in 1m (2.05 rps), every quantile 123 ms.
const fooSplit = split('default', 'foo-split', 'apex_name', [
  { service: 'service-1', weight: '900m', weightRatio: 0.9, observedRatio: 0.5, traffic: { success: 123, failure: 0, latencies: [123, 123, 123] } },
  { service: 'service-2', weight: '100m', weightRatio: 0.1, observedRatio: 0.5, traffic: { success: 123, failure: 0, latencies: [123, 123, 123] } },
]);

// ---- the fake server

interface TrafficSplitsArgs {
  readonly namespace?: string | null;
  readonly names?: readonly string[] | null;
  readonly labelSelector?: string | null;
  readonly window?: string | null;
  readonly from?: Record<string, unknown> | null;
}

/** What the test wants the server to answer next; by default the canned splits, filtered like the real server. */
let answer: (args: TrafficSplitsArgs) => readonly CannedSplit[] = () => [];
/** What serverInfo says of the proxies; undefined: the field fails, as on a server too old to know it. */
let targetGenerations: readonly { generation: string; targets: number }[] | undefined;
/** The variables every trafficSplits call received, as plain JSON. */
let calls: TrafficSplitsArgs[] = [];

function serveSplits(...splits: CannedSplit[]): void {
  answer = (args) =>
    splits.filter(
      (candidate) =>
        (args.namespace == null || candidate.namespace === args.namespace) && (args.names == null || args.names.includes(candidate.name)),
    );
}

const yoga = createYoga({
  schema: createSchema({
    typeDefs,
    resolvers: {
      Query: {
        trafficSplits: (_parent: unknown, args: TrafficSplitsArgs) => {
          // graphql-js builds input objects without a prototype; plain JSON compares simply.
          calls.push(JSON.parse(JSON.stringify(args)) as TrafficSplitsArgs);
          return answer(args);
        },
        serverInfo: () =>
          targetGenerations === undefined
            ? null
            : { version: 'test', source: 'scrape', mesh: 'linkerd', minWindow: '15s', maxWindow: '1h', scrapeInterval: '10s', targetGenerations },
      },
    },
  }),
  logging: false,
  maskedErrors: false,
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

// ---- running the command in-process

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface RunOptions {
  readonly program?: string;
  readonly env?: Record<string, string>;
  readonly isTTY?: boolean;
  readonly signal?: AbortSignal;
  /** Called after each write to stdout, with everything written so far. */
  readonly onStdout?: (stdout: string) => void;
}

async function runWith(argv: readonly string[], options: RunOptions = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: {
      write: (text: string) => {
        stdout += text;
        options.onStdout?.(stdout);
        return true;
      },
      isTTY: options.isTTY,
    },
    stderr: { write: (text: string) => (stderr += text) },
    env: options.env ?? {},
    signal: options.signal,
  };
  const code = await runCli(['node', options.program ?? '/usr/local/bin/splitstat', ...argv], io);
  return { code, stdout, stderr };
}

let server: Server;
let url: string;

/** `splitstat stat <args> --server <the fake>` */
function stat(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  return runWith(['stat', ...args, '--server', url], options);
}

before(async () => {
  // yoga handles its own errors; the listener need not wait for it.
  server = createServer((request, response) => void yoga(request, response));
  url = await listen(server);
});

after(async () => {
  await close(server);
});

beforeEach(() => {
  calls = [];
  answer = () => [];
  targetGenerations = undefined;
});

describe('stat ts: Linkerd’s goldens through the whole command', () => {
  it('stat_one_ts_output.golden', async () => {
    serveSplits(fooSplit);
    const run = await stat(['ts']);
    assert.deepEqual(run, { code: 0, stdout: golden('stat_one_ts_output.golden'), stderr: '' });
    assert.deepEqual(calls, [{ namespace: 'default', kind: 'TrafficSplit', window: '1m' }]);
  });

  it('stat_one_ts_output_json.golden (-o json)', async () => {
    serveSplits(fooSplit);
    const run = await stat(['ts', '-o', 'json']);
    assert.deepEqual(run, { code: 0, stdout: golden('stat_one_ts_output_json.golden'), stderr: '' });
  });

  it('trafficsplit and trafficsplits print the same', async () => {
    serveSplits(fooSplit);
    for (const word of ['trafficsplit', 'trafficsplits']) {
      assert.equal((await stat([word])).stdout, golden('stat_one_ts_output.golden'), word);
    }
  });
});

describe('stat ts: real-world Linkerd output through the whole command', () => {
  it('pr3967-after: success rates, rates and latencies', async () => {
    const { args, output } = captured('pr3967-after.txt');
    assert.deepEqual(args, ['ts']);
    serveSplits(
      split('default', 'webapp-split', 'webapp', [
        // 68 of 85 requests succeeded in 1m: 80.00 %, 1.4166… rps; 6 of 10: 60.00 %, 0.1666… rps.
        { service: 'webapp', weight: '900m', traffic: { success: 68, failure: 17, latencies: [30.7, 98.6, 2529.5] } },
        { service: 'webapp-2', weight: '100m', traffic: { success: 6, failure: 4, latencies: [35.2, 92.5, 99] } },
      ]),
    );
    assert.deepEqual(await stat(args), { code: 0, stdout: output, stderr: '' });
  });

  it('pr3967-before: leaves without traffic show dashes', async () => {
    const { args, output } = captured('pr3967-before.txt');
    serveSplits(
      split('default', 'webapp-split', 'webapp', [
        { service: 'webapp-2', weight: '100m' },
        { service: 'webapp', weight: '900m' },
      ]),
    );
    assert.deepEqual(await stat(args), { code: 0, stdout: output, stderr: '' });
  });

  it('pr4273: stat -A ts adds the NAMESPACE column and asks every namespace', async () => {
    const { args, output } = captured('pr4273-stat-A-ts.txt');
    assert.deepEqual(args, ['-A', 'ts']);
    serveSplits(
      split('default', 'backend-traffic-split', 'backend-svc', [
        { service: 'backend-svc', weight: '500m' },
        { service: 'failing-svc', weight: '0' },
      ]),
    );
    assert.deepEqual(await stat(args), { code: 0, stdout: output, stderr: '' });
    assert.deepEqual(calls, [{ kind: 'TrafficSplit', window: '1m' }]);
  });

  it('linkerd.io 2.11: stat ts/backend-split -n traffic-sample', async () => {
    const { args, output } = captured('website-2.11-linkerd-smi-viz-stat-ts.txt');
    assert.deepEqual(args, ['ts/backend-split', '-n', 'traffic-sample']);
    serveSplits(
      split('traffic-sample', 'backend-split', 'backend-svc', [
        { service: 'backend-svc', weight: '500', traffic: { success: 30, failure: 0, latencies: [1, 1, 1.2] } },
        { service: 'failing-svc', weight: '500', traffic: { success: 0, failure: 30, latencies: [0.6, 1, 1.49] } },
      ]),
      split('default', 'backend-split', 'other', [{ service: 'elsewhere', weight: '1' }]),
    );
    assert.deepEqual(await stat(args), { code: 0, stdout: output, stderr: '' });
    assert.deepEqual(calls, [{ namespace: 'traffic-sample', names: ['backend-split'], kind: 'TrafficSplit', window: '1m' }]);
  });
});

describe('stat ts: splitstat’s own cases', () => {
  it('-A sorts rows by namespace/split/leaf bytes, whatever order the server answers in', async () => {
    serveSplits(
      split('staging-long-ns', 'api', 'api', [{ service: 'api-v2', weight: '250m', traffic: { success: 0, failure: 1200, latencies: [1, 2, 3] } }]),
      split('prod', 'web', 'web', [
        { service: 'web-v2', weight: '0' },
        { service: 'web-v1', weight: '1', traffic: { success: 60, failure: 0, latencies: [5, 9, 10] } },
      ]),
      split('prod', 'web-canary', 'web', [
        { service: 'web-v2', weight: '100m' },
        { service: 'web-v1', weight: '900m', traffic: { success: 199, failure: 1, latencies: [12, 48, 97] } },
      ]),
      split('prod-eu', 'web', 'web', [{ service: 'web-v1', weight: '1', traffic: { success: 3, failure: 3, latencies: [5, 9, 10] } }]),
      split('default', 'backend-split', 'backend-svc', [{ service: 'backend-svc', weight: '500', traffic: { success: 30, failure: 0, latencies: [1, 1, 1] } }]),
    );
    assert.deepEqual(await stat(['-A', 'ts']), { code: 0, stdout: golden('splitstat-all-namespaces.golden'), stderr: '' });
  });

  it('-o wide adds the configured and observed shares', async () => {
    serveSplits(
      split('default', 'foo-split', 'apex_name', [
        { service: 'service-4', weight: 'x' },
        { service: 'service-3', weight: '0', weightRatio: 0 },
        { service: 'service-2', weight: '100m', weightRatio: 0.1, observedRatio: 7 / 16, traffic: { success: 123, failure: 0, latencies: [123, 123, 123] } },
        { service: 'service-1', weight: '900m', weightRatio: 0.9, observedRatio: 9 / 16, traffic: { success: 123, failure: 0, latencies: [123, 123, 123] } },
      ]),
    );
    assert.deepEqual(await stat(['ts', '-o', 'wide']), { code: 0, stdout: golden('splitstat-wide.golden'), stderr: '' });
    assert.deepEqual(await stat(['-A', 'ts', '-o', 'wide']), { code: 0, stdout: golden('splitstat-wide-all-namespaces.golden'), stderr: '' });
  });

  it('-o wide notes on stderr when the server reads Linkerd 2.13+ proxies, which cannot tell direct calls to a backend apart', async () => {
    serveSplits(split('default', 'foo-split', 'apex_name', [{ service: 'service-1', weight: '1', weightRatio: 1, observedRatio: 1, traffic: { success: 1, failure: 0 } }]));
    targetGenerations = [
      { generation: 'linkerd-2.12', targets: 1 },
      { generation: 'linkerd-2.13', targets: 3 },
    ];
    const wide = await stat(['ts', '-o', 'wide']);
    assert.equal(wide.code, 0);
    assert.equal(
      wide.stderr,
      "Note: 3 of 4 proxies run Linkerd 2.13 or later, whose metrics name only the backend: a client's direct calls to a backend count as split traffic if it also calls the split's apex, and a backend shared by two splits it calls counts for both.\n",
    );
    // The Linkerd-compatible outputs stay exactly Linkerd's.
    assert.equal((await stat(['ts'])).stderr, '');
    assert.equal((await stat(['ts', '-o', 'json'])).stderr, '');
    targetGenerations = [{ generation: 'linkerd-2.12', targets: 4 }];
    assert.equal((await stat(['ts', '-o', 'wide'])).stderr, '');
  });

  it('positional names are sent as names, with -n and -t as given', async () => {
    serveSplits(fooSplit, split('prod', 'web', 'web', [{ service: 'web-v1', weight: '1' }]), split('prod', 'api', 'api', [{ service: 'api-v1', weight: '1' }]));
    const run = await stat(['ts', 'web', 'api', '-n', 'prod', '-t', '90s']);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(calls, [{ namespace: 'prod', names: ['web', 'api'], kind: 'TrafficSplit', window: '90s' }]);
    assert.match(run.stdout, /^NAME {3}APEX {3}LEAF {5}WEIGHT {3}SUCCESS {3}RPS/);
    assert.equal(run.stdout.split('\n').length, 4);
  });

  it('--from is sent to the server as a client selector; -l as the label selector', async () => {
    serveSplits(fooSplit);
    await stat(['ts', '--from', 'deploy/frontend', '--from-namespace', 'clients']);
    await stat(['ts', '-n', 'prod', '--from', 'po/web-1']);
    await stat(['ts', '--from', 'ns/frontend']);
    await stat(['-A', 'ts', '--from', 'sts/db', '-l', 'app=web,tier!=db']);
    assert.deepEqual(calls, [
      { namespace: 'default', kind: 'TrafficSplit', window: '1m', from: { namespace: 'clients', kind: 'deployment', name: 'frontend' } },
      { namespace: 'prod', kind: 'TrafficSplit', window: '1m', from: { namespace: 'prod', kind: 'pod', name: 'web-1' } },
      { namespace: 'default', kind: 'TrafficSplit', window: '1m', from: { namespace: 'frontend' } },
      { labelSelector: 'app=web,tier!=db', kind: 'TrafficSplit', window: '1m', from: { kind: 'statefulset', name: 'db' } },
    ]);
  });

  it('--to svc/NAME keeps the numbers of that leaf only; the others show dashes, as in Linkerd', async () => {
    serveSplits(fooSplit);
    const run = await stat(['ts', '--to', 'svc/service-2']);
    assert.deepEqual(run, {
      code: 0,
      stdout: [
        'NAME        APEX        LEAF        WEIGHT   SUCCESS      RPS   LATENCY_P50   LATENCY_P95   LATENCY_P99',
        'foo-split   apex_name   service-1     900m         -        -             -             -             -',
        'foo-split   apex_name   service-2     100m   100.00%   2.0rps         123ms         123ms         123ms',
        '',
      ].join('\n'),
      stderr: '',
    });
    assert.deepEqual(calls, [{ namespace: 'default', kind: 'TrafficSplit', window: '1m' }]);
  });

  it('no splits: `No traffic found.` on stderr, exit 0; `[]` for -o json', async () => {
    assert.deepEqual(await stat(['ts']), { code: 0, stdout: '', stderr: 'No traffic found.\n' });
    assert.deepEqual(await stat(['-A', 'ts', '-o', 'wide']), { code: 0, stdout: '', stderr: 'No traffic found.\n' });
    assert.deepEqual(await stat(['ts', '-o', 'json']), { code: 0, stdout: golden('splitstat-empty.json.golden'), stderr: '' });
  });

  it('a named split that does not exist is an error, not an empty table', async () => {
    serveSplits(fooSplit);
    assert.deepEqual(await stat(['ts/nope']), {
      code: 1,
      stdout: '',
      stderr: 'Error: trafficsplit.split.smi-spec.io "nope" not found in namespace "default"\n',
    });
    assert.deepEqual(await stat(['ts', 'foo-split', 'nope', '-o', 'json']), {
      code: 1,
      stdout: '',
      stderr: 'Error: trafficsplit.split.smi-spec.io "nope" not found in namespace "default"\n',
    });
  });

  it('a GraphQL error is one line on stderr, exit 1', async () => {
    answer = () => {
      throw new GraphQLError('window "2h" is longer than the 1h this server keeps');
    };
    assert.deepEqual(await stat(['ts', '-t', '2h']), {
      code: 1,
      stdout: '',
      stderr: `Error: splitstat at ${url}: window "2h" is longer than the 1h this server keeps\n`,
    });
  });

  it('flag errors exit 1 with one line and never ask the server', async () => {
    const cases: [string[], string][] = [
      [['ts', '--to', 'svc/a', '--from', 'deploy/b'], '--to and --from flags are mutually exclusive'],
      [['ts', '--to-namespace', 'a', '--from-namespace', 'b'], '--to-namespace and --from-namespace flags are mutually exclusive'],
      [['-A', '-n', 'prod', 'ts'], '--all-namespaces and --namespace flags are mutually exclusive'],
      [['-A', 'ts/web'], 'stats for a resource cannot be retrieved by name across all namespaces'],
      [['ts', '-t', '10s'], 'metrics time window needs to be at least 15s'],
      [['ts', '-o', 'yaml'], '--output currently only supports table, json and wide'],
      [['deploy/web'], 'unsupported resource type: deploy'],
    ];
    for (const [args, message] of cases) {
      assert.deepEqual(await stat(args), { code: 1, stdout: '', stderr: `Error: ${message}\n` }, args.join(' '));
    }
    assert.deepEqual(calls, []);
  });

  it('an unknown flag is commander’s one-line error, exit 1', async () => {
    const run = await stat(['ts', '--bogus']);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, "error: unknown option '--bogus'\n");
  });

  it('uses $SPLITSTAT_SERVER when --server is not given', async () => {
    serveSplits(fooSplit);
    const run = await runWith(['stat', 'ts'], { env: { SPLITSTAT_SERVER: url } });
    assert.deepEqual(run, { code: 0, stdout: golden('stat_one_ts_output.golden'), stderr: '' });
  });

  it('kubectl splitstat ts: under the plugin’s name the resource words start `stat`', async () => {
    serveSplits(fooSplit);
    const run = await runWith(['ts', '--server', url], { program: '/usr/local/bin/kubectl-splitstat' });
    assert.deepEqual(run, { code: 0, stdout: golden('stat_one_ts_output.golden'), stderr: '' });
    const json = await runWith(['-o', 'json', 'trafficsplits', '--server', url], { program: '/usr/local/bin/kubectl-splitstat' });
    assert.equal(json.stdout, golden('stat_one_ts_output_json.golden'));
  });
});

describe('stat ts: a server that is down or not splitstat', () => {
  it('unreachable: one line naming the server and the reason, exit 1', async () => {
    const closed = createServer();
    const closedUrl = await listen(closed);
    await close(closed);
    const run = await runWith(['stat', 'ts', '--server', closedUrl]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, new RegExp(`^Error: cannot reach splitstat at ${closedUrl}: connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\n$`));
  });

  it('a non-200 answer: the status and the start of the body, exit 1', async () => {
    const unavailable = createServer((_request, response) => {
      response.writeHead(503, { 'content-type': 'text/plain' }).end('starting up\n');
    });
    const unavailableUrl = await listen(unavailable);
    try {
      assert.deepEqual(await runWith(['stat', 'ts', '--server', unavailableUrl]), {
        code: 1,
        stdout: '',
        stderr: `Error: splitstat at ${unavailableUrl} answered 503 Service Unavailable: starting up\n`,
      });
    } finally {
      await close(unavailable);
    }
  });
});

describe('stat ts --watch', () => {
  it('on a non-TTY prints successive outputs, a blank line apart, until stopped', async () => {
    serveSplits(fooSplit);
    const stop = new AbortController();
    const table = golden('stat_one_ts_output.golden');
    const run = await stat(['ts', '--watch', '--watch-interval', '20ms'], {
      signal: stop.signal,
      onStdout: (stdout) => {
        if (stdout === `${table}\n${table}`) stop.abort();
      },
    });
    assert.deepEqual(run, { code: 0, stdout: `${table}\n${table}`, stderr: '' });
    assert.equal(calls.length, 2);
  });

  it('on a TTY redraws in place', async () => {
    serveSplits(fooSplit);
    const stop = new AbortController();
    const frame = `\x1b[H\x1b[2J${golden('stat_one_ts_output.golden')}`;
    const run = await stat(['ts', '--watch', '--watch-interval', '20ms'], {
      isTTY: true,
      signal: stop.signal,
      onStdout: (stdout) => {
        if (stdout === frame + frame) stop.abort();
      },
    });
    assert.deepEqual(run, { code: 0, stdout: frame + frame, stderr: '' });
  });

  it('shows a failed refresh and goes on', async () => {
    let failures = 1;
    answer = () => {
      if (failures-- > 0) throw new GraphQLError('restarting');
      return [fooSplit];
    };
    const stop = new AbortController();
    const run = await stat(['ts', '--watch', '--watch-interval', '20ms'], { signal: stop.signal, onStdout: () => stop.abort() });
    assert.deepEqual(run, { code: 0, stdout: golden('stat_one_ts_output.golden'), stderr: `Error: splitstat at ${url}: restarting\n` });
    assert.equal(calls.length, 2);
  });
});
