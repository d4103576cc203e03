import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, parseListen, readConfigFile, resolveServeConfig } from './serve-config.js';

const needed = { splits: './splits', targets: './targets.yaml' };

describe('serve configuration', () => {
  it('serves HTTPS with both --tls-cert and --tls-key, and refuses one without the other', () => {
    assert.deepEqual(resolveServeConfig({ flags: { ...needed, tlsCert: '/tls/tls.crt', tlsKey: '/tls/tls.key' } }).tls, { certFile: '/tls/tls.crt', keyFile: '/tls/tls.key' });
    for (const half of [{ tlsCert: '/tls/tls.crt' }, { tlsKey: '/tls/tls.key' }]) {
      assert.throws(() => resolveServeConfig({ flags: { ...needed, ...half } }), /tlsCert and tlsKey: give both/);
    }
  });

  it('needs --envoy-cluster-pattern for the envoy mesh and schema, checks it, and finds no envoy sidecars by itself', () => {
    const refused = (flags: Record<string, string>, reason: RegExp) => assert.throws(() => resolveServeConfig({ flags: { ...needed, ...flags } }), (error: unknown) => error instanceof ConfigError && reason.test(error.message), JSON.stringify(flags));
    refused({ mesh: 'envoy' }, /envoyClusterPattern: required with mesh=envoy/);
    refused({ source: 'prometheus', prometheusUrl: 'http://prometheus:9090', prometheusSchema: 'envoy' }, /envoyClusterPattern: required/);
    refused({ mesh: 'envoy', envoyClusterPattern: '(?<service>[a-z]+)', targets: 'kube' }, /mesh: envoy has no sidecar pod discovery knows/);
    refused({ envoyClusterPattern: '([a-z]+)_[0-9]+' }, /envoyClusterPattern: --envoy-cluster-pattern needs a named group \(\?<service>/);
    const config = resolveServeConfig({ flags: { ...needed, mesh: 'envoy', envoyClusterPattern: '(?<namespace>[^/]+)/(?<service>[a-z-]+)_[0-9]+' } });
    assert.deepEqual({ ...config.envoyClusterPattern?.regex.exec('shop/web_80')?.groups }, { namespace: 'shop', service: 'web' });
  });

  it('has defaults for everything but the inputs', () => {
    assert.deepEqual(resolveServeConfig({ flags: needed }), {
      listen: { host: undefined, port: 8080 },
      splits: './splits',
      targets: './targets.yaml',
      kubeconfig: undefined,
      context: undefined,
      namespace: undefined,
      selector: undefined,
      adminPort: 4191,
      source: 'scrape',
      prometheusUrl: undefined,
      prometheusSchema: 'linkerd',
      prometheusToken: undefined,
      prometheusHeaders: {},
      mesh: 'auto',
      envoyClusterPattern: undefined,
      clusterDomain: 'cluster.local',
      scrapeIntervalMs: 10_000,
      scrapeTimeoutMs: 5_000,
      maxWindowMs: 3_600_000,
      maxHistoryBytes: 512 * 1024 ** 2,
      maxSeriesPerTarget: 50_000,
      maxSeriesTotal: 2_000_000,
      graphqlMaxItems: 100_000,
      logFormat: 'auto',
      auth: 'none',
      authTokensFile: undefined,
      metricsAuth: 'auto',
      shard: undefined,
      allowedHosts: [],
      tls: undefined,
    });
  });

  it('reads --max-history-memory as a Kubernetes quantity of bytes, and refuses anything else', () => {
    const read = (maxHistoryMemory: string): number => resolveServeConfig({ file: { ...needed, maxHistoryMemory }, env: {}, flags: {} }).maxHistoryBytes;
    assert.equal(read('2097152'), 2 * 1024 ** 2);
    assert.equal(read('4096Ki'), 4 * 1024 ** 2);
    assert.equal(read('300Mi'), 300 * 1024 ** 2);
    assert.equal(read('2Gi'), 2 * 1024 ** 3);
    assert.equal(read('1.5Gi'), 1.5 * 1024 ** 3);
    assert.equal(read('800M'), 800_000_000);
    for (const [text, problem] of [
      ['512MB', 'maxHistoryMemory: "512MB" is not a memory quantity (512Mi, 1Gi, 800M)'],
      ['lots', 'maxHistoryMemory: "lots" is not a memory quantity (512Mi, 1Gi, 800M)'],
      ['512', 'maxHistoryMemory: must be at least 64Ki'],
      ['-1Gi', 'maxHistoryMemory: must be at least 64Ki'],
    ] as const) {
      assert.throws(() => read(text), (error: unknown) => error instanceof Error && error.message.includes(problem), text);
    }
  });

  it('layers file < environment < flags', () => {
    const config = resolveServeConfig({
      file: { ...needed, listen: '127.0.0.1:9000', scrapeInterval: '30s', clusterDomain: 'corp.local' },
      env: { SPLITSTAT_SCRAPE_INTERVAL: '20s', SPLITSTAT_LISTEN: ':9100', PATH: '/bin' },
      flags: { listen: '[::1]:9200' },
    });
    assert.deepEqual(config.listen, { host: '::1', port: 9200 });
    assert.equal(config.scrapeIntervalMs, 20_000);
    assert.equal(config.clusterDomain, 'corp.local');
  });

  it('names every bad key and says what is allowed', () => {
    assert.throws(
      () =>
        resolveServeConfig({
          file: { ...needed, mesh: 'kuma', scrapeInterval: '10', listen: 'everywhere', colour: 'blue' },
          fileName: 'splitstat.yaml',
          env: { SPLITSTAT_SOURCES: 'x', SPLITSTAT_SERVER: 'http://ignored-by-serve' },
        }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        const lines = error.message.split('\n');
        assert.deepEqual(lines, [
          'splitstat.yaml: unknown key "colour"; known keys: listen, splits, targets, kubeconfig, context, namespace, selector, adminPort, source, prometheusUrl, prometheusSchema, prometheusToken, prometheusHeaders, mesh, envoyClusterPattern, clusterDomain, scrapeInterval, scrapeTimeout, maxWindow, maxHistoryMemory, maxSeriesPerTarget, maxSeriesTotal, graphqlMaxItems, logFormat, auth, authTokensFile, metricsAuth, allowedHosts, tlsCert, tlsKey, shard',
          'SPLITSTAT_SOURCES: unknown environment variable; known: SPLITSTAT_LISTEN, SPLITSTAT_SPLITS, SPLITSTAT_TARGETS, SPLITSTAT_KUBECONFIG, SPLITSTAT_CONTEXT, SPLITSTAT_NAMESPACE, SPLITSTAT_SELECTOR, SPLITSTAT_ADMIN_PORT, SPLITSTAT_SOURCE, SPLITSTAT_PROMETHEUS_URL, SPLITSTAT_PROMETHEUS_SCHEMA, SPLITSTAT_PROMETHEUS_TOKEN, SPLITSTAT_PROMETHEUS_HEADERS, SPLITSTAT_MESH, SPLITSTAT_ENVOY_CLUSTER_PATTERN, SPLITSTAT_CLUSTER_DOMAIN, SPLITSTAT_SCRAPE_INTERVAL, SPLITSTAT_SCRAPE_TIMEOUT, SPLITSTAT_MAX_WINDOW, SPLITSTAT_MAX_HISTORY_MEMORY, SPLITSTAT_MAX_SERIES_PER_TARGET, SPLITSTAT_MAX_SERIES_TOTAL, SPLITSTAT_GRAPHQL_MAX_ITEMS, SPLITSTAT_LOG_FORMAT, SPLITSTAT_AUTH, SPLITSTAT_AUTH_TOKENS_FILE, SPLITSTAT_METRICS_AUTH, SPLITSTAT_ALLOWED_HOSTS, SPLITSTAT_TLS_CERT, SPLITSTAT_TLS_KEY, SPLITSTAT_SHARD',
          'listen: "everywhere" is not [host]:port (e.g. :8080, 127.0.0.1:8080, [::1]:8080)',
          'mesh: "kuma" is not supported; allowed: auto, linkerd, istio, osm, consul, envoy',
          'scrapeInterval: time: missing unit in duration "10" (Go duration syntax: 10s, 1m, 1h30m)',
        ]);
        return true;
      },
    );
  });

  it('requires the inputs and refuses what this version cannot do', () => {
    assert.throws(() => resolveServeConfig({}), /^ConfigError: splits: required: "kube" or a TrafficSplit manifest file or directory \(--splits\)$/);
    assert.throws(() => resolveServeConfig({ flags: { ...needed, source: 'prometheus' } }), /prometheusUrl: required with source=prometheus/);
    assert.throws(() => resolveServeConfig({ flags: { splits: './s' } }), /targets: required: "kube" or a static targets file/);
    const viaPrometheus = resolveServeConfig({
      flags: { splits: 'kube', source: 'prometheus', prometheusUrl: 'http://prometheus:9090', prometheusSchema: 'splitstat', prometheusHeaders: 'X-Scope-OrgID: tenant-a; X-Other: 1' },
    });
    assert.deepEqual([viaPrometheus.targets, viaPrometheus.prometheusSchema, viaPrometheus.prometheusHeaders], [undefined, 'splitstat', { 'X-Scope-OrgID': 'tenant-a', 'X-Other': '1' }]);
    assert.throws(() => resolveServeConfig({ flags: { ...needed, prometheusHeaders: 'no colon here' } }), /prometheusHeaders: "no colon here" is not "Name: value"/);
    assert.throws(() => resolveServeConfig({ flags: { ...needed, source: 'prometheus', prometheusUrl: 'not a url' } }), /prometheusUrl: must be an http\(s\) URL/);
    assert.equal(resolveServeConfig({ flags: { splits: 'kube', targets: 'kube', namespace: 'shop', selector: 'team=a' } }).namespace, 'shop');
    assert.throws(() => resolveServeConfig({ flags: { ...needed, namespace: 'Not_A_Namespace' } }), /namespace: must be a Kubernetes namespace name/);
    assert.throws(() => resolveServeConfig({ flags: { ...needed, adminPort: '70000' } }), /adminPort: must be 1 to 65535/);
    assert.throws(() => resolveServeConfig({ flags: { ...needed, auth: 'token' } }), /authTokensFile: required with auth=token/);
    assert.throws(() => resolveServeConfig({ flags: { ...needed, auth: 'oauth' } }), /auth: "oauth" is not supported; allowed: none, token, kubernetes/);
    assert.throws(() => resolveServeConfig({ flags: { ...needed, maxWindow: '10s' } }), /maxWindow: must be at least 15s/);
    assert.throws(() => resolveServeConfig({ flags: { ...needed, scrapeInterval: '2s', scrapeTimeout: '5s' } }), /scrapeTimeout: must not be longer than scrapeInterval/);
    assert.equal(resolveServeConfig({ flags: { ...needed, maxSeriesPerTarget: '200000' } }).maxSeriesPerTarget, 200_000);
    assert.throws(() => resolveServeConfig({ flags: { ...needed, maxSeriesPerTarget: '10' } }), /maxSeriesPerTarget: must be at least 100/);
    // The default timeout follows a shorter interval: `--scrape-interval 2s` alone works.
    assert.equal(resolveServeConfig({ flags: { ...needed, scrapeInterval: '2s' } }).scrapeTimeoutMs, 2000);
    assert.equal(resolveServeConfig({ flags: { ...needed, scrapeInterval: '30s' } }).scrapeTimeoutMs, 5000);
  });

  it('reads a shard from the flag or SPLITSTAT_SHARD, and says what is wrong with a bad one', () => {
    assert.deepEqual(resolveServeConfig({ flags: { ...needed, shard: '2/3' } }).shard, { index: 2, count: 3 });
    assert.deepEqual(resolveServeConfig({ flags: needed, env: { SPLITSTAT_SHARD: '0/2' } }).shard, { index: 0, count: 2 });
    assert.equal(resolveServeConfig({ flags: needed }).shard, undefined);
    assert.throws(() => resolveServeConfig({ flags: { ...needed, shard: '3/3' } }), /^ConfigError: shard: "3\/3": i must be 0 to 2/);
    assert.throws(() => resolveServeConfig({ flags: { ...needed, shard: 'one' } }), /shard: "one" is not i\/N/);
  });

  it('reads listen addresses', () => {
    assert.deepEqual(parseListen(':8080'), { host: undefined, port: 8080 });
    assert.deepEqual(parseListen('8080'), { host: undefined, port: 8080 });
    assert.deepEqual(parseListen('0.0.0.0:80'), { host: '0.0.0.0', port: 80 });
    assert.deepEqual(parseListen('localhost:0'), { host: 'localhost', port: 0 });
    assert.deepEqual(parseListen('[::]:8080'), { host: '::', port: 8080 });
    for (const bad of ['', ':', 'host:', ':99999', 'a:b:c', 'http://x:80']) assert.equal(parseListen(bad), undefined, bad);
  });

  it('reads a YAML config file and reports unreadable or malformed ones', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'splitstat-config-'));
    try {
      const good = path.join(dir, 'good.yaml');
      await writeFile(good, 'splits: /etc/splits\ntargets: /etc/targets.yaml\nscrapeInterval: 15s\n');
      assert.equal(resolveServeConfig({ file: await readConfigFile(good) }).scrapeIntervalMs, 15_000);
      const list = path.join(dir, 'list.yaml');
      await writeFile(list, '- a\n- b\n');
      await assert.rejects(readConfigFile(list), /list\.yaml: must be a mapping of settings/);
      const broken = path.join(dir, 'broken.yaml');
      await writeFile(broken, 'a: [1,\n');
      await assert.rejects(readConfigFile(broken), /broken\.yaml: not valid YAML/);
      await assert.rejects(readConfigFile(path.join(dir, 'missing.yaml')), /cannot read config file .*missing\.yaml: ENOENT/);
      assert.deepEqual(await readConfigFile(await writeEmpty(dir)), {});
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function writeEmpty(dir: string): Promise<string> {
  const file = path.join(dir, 'empty.yaml');
  await writeFile(file, '# nothing set\n');
  return file;
}
