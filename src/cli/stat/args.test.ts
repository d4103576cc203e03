// `stat ts` arguments and flags (SPEC-stat-ts.md §1) through the pure parser: every form, every
// flag, every error text, and Linkerd's order of checks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatArgs } from './args.js';
import type { StatArgsResult, StatEnvironment, StatFlags, StatRequest } from './args.js';
import { canonicalKind, parseResourceRef } from './resources.js';
import { kubectlPluginArgv } from '../kubectl-plugin.js';

const environment: StatEnvironment = { env: {}, defaultNamespace: 'default' };

function parse(resources: string[], flags: StatFlags = {}, env: StatEnvironment = environment): StatArgsResult {
  return parseStatArgs(resources, flags, env);
}

function ok(resources: string[], flags: StatFlags = {}, env: StatEnvironment = environment): StatRequest {
  const result = parse(resources, flags, env);
  if (!result.ok) assert.fail(`expected a request, got error: ${result.error}`);
  return result.request;
}

function error(resources: string[], flags: StatFlags = {}): string {
  const result = parse(resources, flags);
  if (result.ok) assert.fail(`expected an error, got ${JSON.stringify(result.request)}`);
  return result.error;
}

describe('stat ts: resource forms', () => {
  it('`ts`, `trafficsplit`, `trafficsplits` (any case) ask for every split in the namespace', () => {
    for (const word of ['ts', 'trafficsplit', 'trafficsplits', 'TS', 'TrafficSplits']) {
      const request = ok([word]);
      assert.equal(request.names, null, word);
      assert.equal(request.namespace, 'default', word);
    }
  });

  it('`ts/NAME`, `ts NAME1 NAME2` and `ts/A ts/B` name splits; duplicates are asked once', () => {
    assert.deepEqual(ok(['ts/web']).names, ['web']);
    assert.deepEqual(ok(['trafficsplit/web']).names, ['web']);
    assert.deepEqual(ok(['ts', 'web', 'api']).names, ['web', 'api']);
    assert.deepEqual(ok(['ts/web', 'trafficsplits/api', 'ts/web']).names, ['web', 'api']);
    assert.deepEqual(ok(['ts', 'web', 'web']).names, ['web']);
  });

  it('`ts/` and a bare `ts` among named ones mean every split (Linkerd unioned the requests)', () => {
    assert.equal(ok(['ts/']).names, null);
    assert.equal(ok(['ts/web', 'ts']).names, null);
  });

  it('rejects other resource types, named or not, with the type as typed', () => {
    assert.equal(error(['deploy']), 'unsupported resource type: deploy');
    assert.equal(error(['po/web-1']), 'unsupported resource type: po');
    assert.equal(error(['deployment', 'web']), 'unsupported resource type: deployment');
    assert.equal(error(['ts/web', 'deploy/web']), 'unsupported resource type: deploy');
    assert.equal(error(['foo']), 'unsupported resource type: foo');
    assert.equal(error(['all']), 'unsupported resource type: all');
    // Without a type first, every argument is TYPE[/NAME]: `web` is taken for a type.
    assert.equal(error(['ts/a', 'web']), 'unsupported resource type: web');
  });

  it('`httproute` asks for HTTPRoute splits, in the same forms; one command shows one kind', () => {
    assert.equal(ok(['ts']).kind, 'TrafficSplit');
    for (const words of [['httproute'], ['httproutes'], ['HTTPRoute/web'], ['httproute', 'web']]) assert.equal(ok(words).kind, 'HTTPRoute', words.join(' '));
    assert.deepEqual(ok(['httproute', 'web', 'api']).names, ['web', 'api']);
    assert.match(error(['ts/web', 'httproute/web']), /cannot be shown in one table/);
    // Not one of Linkerd's resource words: --to and --from keep Linkerd's message for it.
    assert.equal(error(['ts'], { to: 'httproute/web' }), 'cannot find Kubernetes canonical name from friendly name [httproute]');
  });

  it('rejects a resource string with more than one slash, and no resource at all', () => {
    assert.equal(error(['ts/a/b']), 'Invalid resource string: ts/a/b');
    assert.match(error([]), /^no resource type given: use "stat ts"/);
  });
});

describe('stat ts: namespaces', () => {
  it('-n picks the namespace; an empty -n is the default, as in Linkerd', () => {
    assert.equal(ok(['ts'], { namespace: 'prod' }).namespace, 'prod');
    assert.equal(ok(['ts'], { namespace: '' }).namespace, 'default');
    assert.equal(ok(['ts'], {}, { env: {}, defaultNamespace: 'from-context' }).namespace, 'from-context');
  });

  it('-A asks every namespace', () => {
    const request = ok(['ts'], { allNamespaces: true });
    assert.equal(request.namespace, null);
    assert.equal(request.names, null);
  });

  it('-A with -n is an error unless -n names the default namespace (Linkerd compared values)', () => {
    assert.equal(error(['ts'], { allNamespaces: true, namespace: 'prod' }), '--all-namespaces and --namespace flags are mutually exclusive');
    assert.equal(ok(['ts'], { allNamespaces: true, namespace: 'default' }).namespace, null);
  });

  it('-A with a name is an error, in every named form', () => {
    const message = 'stats for a resource cannot be retrieved by name across all namespaces';
    assert.equal(error(['ts/web'], { allNamespaces: true }), message);
    assert.equal(error(['ts', 'web', 'api'], { allNamespaces: true }), message);
  });
});

describe('stat ts: -t/--time-window', () => {
  it('defaults to 1m and passes the text on verbatim', () => {
    assert.deepEqual(ok(['ts']).window, { text: '1m', ms: 60_000 });
    assert.deepEqual(ok(['ts'], { timeWindow: '1m30s' }).window, { text: '1m30s', ms: 90_000 });
    assert.deepEqual(ok(['ts'], { timeWindow: '15s' }).window, { text: '15s', ms: 15_000 });
    assert.deepEqual(ok(['ts'], { timeWindow: '1h' }).window, { text: '1h', ms: 3_600_000 });
  });

  it('below 15s (zero and negative included) is an error', () => {
    for (const window of ['14s', '14.999s', '10s', '0', '-1m', '500ms']) {
      assert.equal(error(['ts'], { timeWindow: window }), 'metrics time window needs to be at least 15s', window);
    }
  });

  it('a string Go cannot parse is an error with Go’s message', () => {
    assert.equal(error(['ts'], { timeWindow: '1x' }), '--time-window: time: unknown unit "x" in duration "1x" (use Go duration syntax: 30s, 1m, 1m30s, 1h)');
    assert.equal(error(['ts'], { timeWindow: 'abc' }), '--time-window: time: invalid duration "abc" (use Go duration syntax: 30s, 1m, 1m30s, 1h)');
    assert.match(error(['ts'], { timeWindow: '60' }), /^--time-window: time: missing unit in duration "60"/);
  });
});

describe('stat ts: -o/--output', () => {
  it('table (default), json and wide', () => {
    assert.equal(ok(['ts']).output, 'table');
    assert.equal(ok(['ts'], { output: 'table' }).output, 'table');
    assert.equal(ok(['ts'], { output: 'json' }).output, 'json');
    assert.equal(ok(['ts'], { output: 'wide' }).output, 'wide');
  });

  it('anything else is an error', () => {
    for (const output of ['yaml', 'JSON', 'name', ' table', '']) {
      assert.equal(error(['ts'], { output }), '--output currently only supports table, json and wide', output);
    }
  });
});

describe('stat ts: --from, --from-namespace', () => {
  it('maps kubectl’s aliases to the lower-case kind, in the -n namespace', () => {
    const cases: [string, string][] = [
      ['deploy/web', 'deployment'],
      ['deployment/web', 'deployment'],
      ['deployments/web', 'deployment'],
      ['po/web', 'pod'],
      ['pods/web', 'pod'],
      ['sts/web', 'statefulset'],
      ['statefulset/web', 'statefulset'],
      ['ds/web', 'daemonset'],
      ['job/web', 'job'],
      ['cj/web', 'cronjob'],
      ['cronjob/web', 'cronjob'],
      ['rs/web', 'replicaset'],
      ['rc/web', 'replicationcontroller'],
    ];
    for (const [from, kind] of cases) {
      assert.deepEqual(ok(['ts'], { from, namespace: 'prod' }).from, { namespace: 'prod', kind, name: 'web' }, from);
    }
  });

  it('--from-namespace overrides the namespace of the --from resource', () => {
    assert.deepEqual(ok(['ts'], { from: 'deploy/web', fromNamespace: 'clients' }).from, { namespace: 'clients', kind: 'deployment', name: 'web' });
  });

  it('a type without a name means any such workload', () => {
    assert.deepEqual(ok(['ts'], { from: 'deploy' }).from, { namespace: 'default', kind: 'deployment' });
  });

  it('ns/X means every client in namespace X, whatever --from-namespace says', () => {
    assert.deepEqual(ok(['ts'], { from: 'ns/frontend' }).from, { namespace: 'frontend' });
    assert.deepEqual(ok(['ts'], { from: 'namespace/frontend', fromNamespace: 'other' }).from, { namespace: 'frontend' });
    assert.deepEqual(ok(['ts'], { from: 'ns', namespace: 'prod' }).from, { namespace: 'prod' });
  });

  it('--from-namespace alone means every client in that namespace', () => {
    assert.deepEqual(ok(['ts'], { fromNamespace: 'clients' }).from, { namespace: 'clients' });
  });

  it('with -A the --from namespace stays open unless given (as in Linkerd)', () => {
    assert.deepEqual(ok(['ts'], { from: 'deploy/web', allNamespaces: true }).from, { kind: 'deployment', name: 'web' });
    assert.deepEqual(ok(['ts'], { from: 'deploy/web', allNamespaces: true, fromNamespace: 'x' }).from, { namespace: 'x', kind: 'deployment', name: 'web' });
    assert.equal(ok(['ts'], { from: 'ns', allNamespaces: true }).from, null);
  });

  it('no --from: every client', () => {
    assert.equal(ok(['ts']).from, null);
    assert.equal(ok(['ts'], { from: '' }).from, null);
  });

  it('rejects what cannot send requests, with Linkerd’s texts', () => {
    assert.equal(error(['ts'], { from: 'au/web' }), 'cannot query traffic --from an authority');
    assert.equal(error(['ts'], { from: 'svc/web' }), "service only supported as a target on 'from' queries, or as a destination on 'to' queries");
    assert.equal(error(['ts'], { from: 'all' }), "resource type 'all' is not supported as a filter");
    assert.equal(error(['ts'], { from: 'ts/web' }), 'cannot query traffic --from a trafficsplit');
    assert.equal(error(['ts'], { from: 'foo/web' }), 'cannot find Kubernetes canonical name from friendly name [foo]');
    assert.equal(error(['ts'], { from: 'deploy/a/b' }), 'Invalid resource string: deploy/a/b');
  });
});

describe('stat ts: --to, --to-namespace', () => {
  it('--to svc/NAME keeps numbers for that leaf in the -n (or --to-namespace) namespace', () => {
    assert.deepEqual(ok(['ts'], { to: 'svc/web-v2' }).to, { namespace: 'default', service: 'web-v2' });
    assert.deepEqual(ok(['ts'], { to: 'service/web-v2', toNamespace: 'prod' }).to, { namespace: 'prod', service: 'web-v2' });
    assert.deepEqual(ok(['ts'], { to: 'svc/web-v2', allNamespaces: true }).to, { namespace: null, service: 'web-v2' });
    assert.deepEqual(ok(['ts'], { to: 'svc', toNamespace: 'prod' }).to, { namespace: 'prod', service: null });
  });

  it('--to ns/X and --to-namespace alone filter by the destination namespace', () => {
    assert.deepEqual(ok(['ts'], { to: 'ns/prod', allNamespaces: true }).to, { namespace: 'prod', service: null });
    assert.deepEqual(ok(['ts'], { toNamespace: 'prod', allNamespaces: true }).to, { namespace: 'prod', service: null });
    assert.equal(ok(['ts'], { to: 'ns', allNamespaces: true }).to, null);
  });

  it('workloads cannot be filtered: splitstat knows the serving leaf service, not its deployment', () => {
    assert.equal(
      error(['ts'], { to: 'deploy/web-v2' }),
      "--to deploy/web-v2 is not supported: a TrafficSplit's leaves are services, so use --to svc/NAME or --to ns/NAME",
    );
    assert.match(error(['ts'], { to: 'po' }), /^--to po is not supported/);
    assert.equal(error(['ts'], { to: 'all' }), "resource type 'all' is not supported as a filter");
  });
});

describe('stat ts: conflicting flags and the order of checks', () => {
  it('--to with --from, --to-namespace with --from-namespace', () => {
    assert.equal(error(['ts'], { to: 'svc/a', from: 'deploy/b' }), '--to and --from flags are mutually exclusive');
    assert.equal(error(['ts'], { toNamespace: 'a', fromNamespace: 'b' }), '--to-namespace and --from-namespace flags are mutually exclusive');
  });

  it('reports the first mistake Linkerd reported: resources, --to/--from strings, conflicts, output, window, -A with a name', () => {
    const everything: StatFlags = { to: 'svc/a', from: 'deploy/b', output: 'yaml', timeWindow: '1s', allNamespaces: true, namespace: 'x' };
    assert.equal(error(['deploy'], everything), 'unsupported resource type: deploy');
    assert.equal(error(['ts/a'], { ...everything, to: 'foo/a' }), 'cannot find Kubernetes canonical name from friendly name [foo]');
    assert.equal(error(['ts/a'], everything), '--to and --from flags are mutually exclusive');
    assert.equal(error(['ts/a'], { ...everything, to: undefined, toNamespace: 'a', fromNamespace: 'b' }), '--to-namespace and --from-namespace flags are mutually exclusive');
    assert.equal(error(['ts/a'], { ...everything, to: undefined }), '--all-namespaces and --namespace flags are mutually exclusive');
    assert.equal(error(['ts/a'], { ...everything, to: undefined, namespace: undefined }), '--output currently only supports table, json and wide');
    assert.equal(error(['ts/a'], { ...everything, to: undefined, namespace: undefined, output: 'json' }), 'metrics time window needs to be at least 15s');
    assert.equal(
      error(['ts/a'], { ...everything, to: undefined, namespace: undefined, output: 'json', timeWindow: '1m' }),
      'stats for a resource cannot be retrieved by name across all namespaces',
    );
  });
});

describe('stat ts: -l/--selector', () => {
  it('is passed on as typed; empty means none', () => {
    assert.equal(ok(['ts'], { selector: 'app=web,tier!=db' }).labelSelector, 'app=web,tier!=db');
    assert.equal(ok(['ts']).labelSelector, null);
    assert.equal(ok(['ts'], { selector: '' }).labelSelector, null);
  });
});

describe('stat ts: --server', () => {
  it('defaults to $SPLITSTAT_SERVER, else http://localhost:8080; the flag wins', () => {
    assert.equal(ok(['ts']).server, 'http://localhost:8080');
    assert.equal(ok(['ts']).endpoint, 'http://localhost:8080/graphql');
    const env: StatEnvironment = { env: { SPLITSTAT_SERVER: 'https://splitstat.example:9443' }, defaultNamespace: 'default' };
    assert.equal(ok(['ts'], {}, env).endpoint, 'https://splitstat.example:9443/graphql');
    assert.equal(ok(['ts'], { server: 'http://10.0.0.1:8080' }, env).endpoint, 'http://10.0.0.1:8080/graphql');
    assert.equal(ok(['ts'], {}, { env: { SPLITSTAT_SERVER: '' }, defaultNamespace: 'default' }).server, 'http://localhost:8080');
  });

  it('appends /graphql to any path, unless the URL already names it', () => {
    assert.equal(ok(['ts'], { server: 'http://host/splitstat/' }).endpoint, 'http://host/splitstat/graphql');
    assert.equal(ok(['ts'], { server: 'http://host:8080/graphql' }).endpoint, 'http://host:8080/graphql');
    assert.equal(ok(['ts'], { server: 'http://host:8080/graphql/?x=1' }).endpoint, 'http://host:8080/graphql');
  });

  it('rejects what is not an http(s) URL', () => {
    assert.equal(error(['ts'], { server: 'localhost:8080' }), '--server: "localhost:8080" is not an http or https URL');
    assert.equal(error(['ts'], { server: 'not a url' }), '--server: "not a url" is not a URL (e.g. http://localhost:8080)');
  });
});

describe('stat ts: --watch, --watch-interval', () => {
  it('prints once without --watch; refreshes every 2s by default with it', () => {
    assert.equal(ok(['ts']).watchIntervalMs, null);
    assert.equal(ok(['ts'], { watch: true }).watchIntervalMs, 2000);
    assert.equal(ok(['ts'], { watch: true, watchInterval: '500ms' }).watchIntervalMs, 500);
  });

  it('rejects a non-positive or unparsable interval, and an interval without --watch', () => {
    assert.match(error(['ts'], { watch: true, watchInterval: '0s' }), /^--watch-interval must be a positive duration/);
    assert.match(error(['ts'], { watch: true, watchInterval: 'soon' }), /^--watch-interval: time: invalid duration "soon"/);
    assert.equal(error(['ts'], { watchInterval: '5s' }), '--watch-interval needs --watch');
  });
});

describe('resource words', () => {
  it('knows Linkerd’s spellings of every kind', () => {
    assert.equal(canonicalKind('deploy'), 'deployment');
    assert.equal(canonicalKind('ns'), 'namespace');
    assert.equal(canonicalKind('svc'), 'service');
    assert.equal(canonicalKind('ts'), 'trafficsplit');
    assert.equal(canonicalKind('Deployments'), 'deployment');
    assert.equal(canonicalKind('widget'), undefined);
    assert.deepEqual(parseResourceRef('deploy/web'), { ok: true, ref: { kind: 'deployment', typed: 'deploy', name: 'web' } });
    assert.deepEqual(parseResourceRef('sts'), { ok: true, ref: { kind: 'statefulset', typed: 'sts', name: '' } });
  });
});

describe('kubectl plugin argv', () => {
  const commands = ['serve', 'demo', 'stat'];

  it('under the name kubectl-splitstat, a resource word or a flag starts a `stat` command line', () => {
    assert.deepEqual(kubectlPluginArgv(['node', '/usr/local/bin/kubectl-splitstat', 'ts'], commands), ['node', '/usr/local/bin/kubectl-splitstat', 'stat', 'ts']);
    assert.deepEqual(kubectlPluginArgv(['node', '/bin/kubectl-splitstat', 'ts/web', '-n', 'prod'], commands), ['node', '/bin/kubectl-splitstat', 'stat', 'ts/web', '-n', 'prod']);
    assert.deepEqual(kubectlPluginArgv(['node', '/bin/kubectl-splitstat', '-A', 'ts'], commands), ['node', '/bin/kubectl-splitstat', 'stat', '-A', 'ts']);
    assert.deepEqual(kubectlPluginArgv(['node', 'C:/x/kubectl-splitstat.js', 'trafficsplits'], commands), ['node', 'C:/x/kubectl-splitstat.js', 'stat', 'trafficsplits']);
  });

  it('leaves splitstat’s own commands, help and version alone, and every other program name', () => {
    for (const args of [['stat', 'ts'], ['serve'], ['demo'], ['help'], ['--help'], ['-h'], ['--version'], []]) {
      const argv = ['node', '/bin/kubectl-splitstat', ...args];
      assert.deepEqual(kubectlPluginArgv(argv, commands), argv);
    }
    assert.deepEqual(kubectlPluginArgv(['node', '/bin/splitstat', 'ts'], commands), ['node', '/bin/splitstat', 'ts']);
    assert.deepEqual(kubectlPluginArgv(['node', '/work/dist/main.js', 'ts'], commands), ['node', '/work/dist/main.js', 'ts']);
  });
});
