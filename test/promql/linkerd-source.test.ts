// PrometheusStatSource with the linkerd schema against a fake Prometheus that evaluates the
// queries: the exact PromQL of SPEC-stat-ts.md §5, Linkerd's processing (rounding per series,
// NaN → 0, no series → no stats), and batched answers equal to Linkerd's per-split ones.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PrometheusClient } from '../../src/promql/index.js';
import { linkerdBatchQueries, linkerdQuerySchema, linkerdSplitQueries, overlappingSplits } from '../../src/mesh/index.js';
import { PrometheusStatSource } from '../../src/stats/index.js';
import type { PrometheusStatQuery, SplitStats } from '../../src/stats/index.js';
import { assertSameNumbers, linkerdPerSplitStats } from '../helpers/linkerd-per-split.js';
import { numberQueries, startFakePrometheus } from './fake-prometheus.js';
import type { FakePrometheus, FakeSeries } from './fake-prometheus.js';
import { allIn, LINKERD_BUCKETS_MS, proxySeries, trafficSplit } from './helpers.js';

const web = trafficSplit('prod', 'web-split', 'web', { 'web-v1': '900m', 'web-v2': '100m', 'web-v3': 0 });

let prometheus: FakePrometheus;
before(async () => {
  prometheus = await startFakePrometheus();
});
after(async () => {
  await prometheus.close();
});
beforeEach(() => {
  prometheus.series = [];
  prometheus.received.length = 0;
  prometheus.override = undefined;
});

const NOW = 1_700_000_000_000;

function source(): PrometheusStatSource {
  return new PrometheusStatSource({ client: new PrometheusClient({ url: prometheus.url }), concurrency: 32, now: () => NOW });
}

/** Linkerd's own per-split queries, plus the split-total quantiles it never asked for. */
function perSplit(query: PrometheusStatQuery): Promise<SplitStats[]> {
  return linkerdPerSplitStats(new PrometheusClient({ url: prometheus.url }), query, { timeMs: NOW, totals: true });
}

/** Both ways of asking, for tests of what the answers become. */
const bothWays: readonly { readonly name: string; readonly stats: (query: PrometheusStatQuery) => Promise<SplitStats[]> }[] = [
  { name: 'batched', stats: (query) => source().stats(query) },
  { name: 'per split', stats: perSplit },
];

function row(stats: SplitStats[], split: number, leaf: string) {
  const found = stats[split]?.rows.find((candidate) => candidate.leaf === leaf);
  assert.ok(found, `row ${leaf}`);
  return found;
}

describe('linkerd schema: the PromQL text', () => {
  it('sends, for one split, exactly the queries of SPEC §5', () => {
    const queries = linkerdSplitQueries(web, { range: '1m' });
    const labels = '{authority=~"^web.prod.svc.*", direction="outbound"}';
    assert.equal(queries.counts, `sum(increase(response_total${labels}[1m])) by (dst_namespace, dst_service, classification, tls)`);
    assert.equal(queries.leafQuantile('0.5'), `histogram_quantile(0.5, sum(irate(response_latency_ms_bucket${labels}[1m])) by (le, dst_namespace, dst_service))`);
    assert.equal(queries.leafQuantile('0.95'), `histogram_quantile(0.95, sum(irate(response_latency_ms_bucket${labels}[1m])) by (le, dst_namespace, dst_service))`);
    assert.equal(queries.leafQuantile('0.99'), `histogram_quantile(0.99, sum(irate(response_latency_ms_bucket${labels}[1m])) by (le, dst_namespace, dst_service))`);
  });

  it('adds --from labels sorted into the list, ", "-joined', () => {
    const queries = linkerdSplitQueries(web, { range: '10m', from: { namespace: 'shop', kind: 'deployment', name: 'checkout' } });
    assert.equal(
      queries.counts,
      'sum(increase(response_total{authority=~"^web.prod.svc.*", deployment="checkout", direction="outbound", namespace="shop"}[10m])) by (dst_namespace, dst_service, classification, tls)',
    );
    const pod = linkerdSplitQueries(web, { range: '1m', from: { namespace: 'shop', kind: 'pod', name: 'p-1' } });
    assert.match(pod.counts, /\{authority=~"\^web\.prod\.svc\.\*", direction="outbound", namespace="shop", pod="p-1"\}/);
    const namespaceOnly = linkerdSplitQueries(web, { range: '1m', from: { namespace: 'shop' } });
    assert.match(namespaceOnly.counts, /\{authority=~"\^web\.prod\.svc\.\*", direction="outbound", namespace="shop"\}/);
    const job = linkerdSplitQueries(web, { range: '1m', from: { namespace: 'shop', kind: 'job', name: 'batch' } });
    assert.match(job.counts, /direction="outbound", k8s_job="batch", namespace="shop"\}/);
  });

  it('adds --to labels as dst_service and dst_namespace', () => {
    const queries = linkerdSplitQueries(web, { range: '1m', to: { namespace: 'prod', service: 'web-v2' } });
    assert.equal(
      queries.counts,
      'sum(increase(response_total{authority=~"^web.prod.svc.*", direction="outbound", dst_namespace="prod", dst_service="web-v2"}[1m])) by (dst_namespace, dst_service, classification, tls)',
    );
  });

  it('batches splits into one alternation, copied into a label before summing; buckets come back whole', () => {
    const other = trafficSplit('link', 'server', 'server', { 'server-v1': 1 });
    const queries = linkerdBatchQueries([web, other], { range: '1m' });
    const regex = '"^(web.prod|server.link).svc.*"';
    const selector = `{authority=~${regex}, direction="outbound"}`;
    const pods = 'unless on (namespace, pod) group by (namespace, pod) (last_over_time(outbound_http_balancer_endpoints[1m]))';
    const leaves = (metric: string, fn: string, apex: string, namespace: string, leafRegex: string) =>
      ` or label_replace((${fn}(${metric}{authority=~"${leafRegex}", direction="outbound"}[1m]) and on (namespace, pod, dst_namespace, dst_service) ` +
      `group by (namespace, pod, dst_namespace, dst_service) (label_replace(label_replace(last_over_time(outbound_http_balancer_endpoints{backend_kind="Service", backend_namespace="${namespace}", parent_kind="Service", parent_name="${apex}", parent_namespace="${namespace}"}[1m]), ` +
      `"dst_service", "$1", "backend_name", "(.*)"), "dst_namespace", "$1", "backend_namespace", "(.*)"))), "splitstat_split", "${apex}.${namespace}", "", "")`;
    assert.equal(
      queries.counts,
      `sum(label_replace((increase(response_total${selector}[1m]) ${pods}), "splitstat_split", "$1", "authority", ${regex})` +
        leaves('response_total', 'increase', 'web', 'prod', '^(web-v1|web-v2|web-v3).prod.svc.*') +
        leaves('response_total', 'increase', 'server', 'link', '^(server-v1).link.svc.*') +
        ') by (splitstat_split, dst_namespace, dst_service, classification, tls)',
    );
    assert.equal(
      queries.buckets,
      `sum(label_replace((irate(response_latency_ms_bucket${selector}[1m]) ${pods}), "splitstat_split", "$1", "authority", ${regex})` +
        leaves('response_latency_ms_bucket', 'irate', 'web', 'prod', '^(web-v1|web-v2|web-v3).prod.svc.*') +
        leaves('response_latency_ms_bucket', 'irate', 'server', 'link', '^(server-v1).link.svc.*') +
        ') by (le, splitstat_split, dst_namespace, dst_service)',
    );
  });
});

describe('linkerd schema: processing the answers', () => {
  it('rounds every series half away from zero before summing (0.5 → 1, 2.5 → 3, 0.4 + 0.4 → 0)', async () => {
    prometheus.series = [
      ...proxySeries({ authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v1', success: 0.5, failure: 2.5 }),
      // Two series of web-v2 (tls true and false): each rounds to 0, although they add up to 0.8.
      ...proxySeries({ authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v2', success: 0.4, tls: 'true' }),
      ...proxySeries({ authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v2', success: 0.4, tls: 'no_identity' }),
    ];
    for (const way of bothWays) {
      const stats = await way.stats({ splits: [web], window: { text: '1m', ms: 60_000 } });
      const v1 = row(stats, 0, 'web-v1').stats;
      assert.deepEqual([v1?.successCount, v1?.failureCount], [1, 3]);
      assert.equal(v1?.rps, 4 / 60);
      assert.equal(v1?.successRate, 0.25);
      assert.equal(row(stats, 0, 'web-v2').stats, null, 'rounded to zero requests: no stats');
      assert.equal(row(stats, 0, 'web-v3').stats, null, 'no series: no stats');
    }
  });

  it('sums the authorities of one apex (ports, with and without the cluster domain) before rounding', async () => {
    prometheus.series = [
      ...proxySeries({ authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v1', success: 0.3 }),
      ...proxySeries({ authority: 'web.prod.svc.cluster.local:80', dstNamespace: 'prod', dstService: 'web-v1', success: 0.3 }),
    ];
    for (const way of bothWays) {
      const stats = await way.stats({ splits: [web], window: { text: '1m', ms: 60_000 } });
      assert.equal(row(stats, 0, 'web-v1').stats?.successCount, 1, way.name);
    }
  });

  it('leaves out an infinite increase (a proxy exporting ±Inf) instead of making the split infinite', async () => {
    prometheus.series = [
      ...proxySeries({ authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v1', success: Number.POSITIVE_INFINITY }),
      ...proxySeries({ authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v2', success: 6 }),
    ];
    for (const way of bothWays) {
      const stats = await way.stats({ splits: [web], window: { text: '1m', ms: 60_000 } });
      assert.equal(row(stats, 0, 'web-v1').stats, null, way.name);
      assert.equal(row(stats, 0, 'web-v2').stats?.successCount, 6, way.name);
      assert.equal(stats[0]?.total?.successCount, 6, way.name);
    }
  });

  it('shows 0ms for NaN quantiles (counts but no latency observations)', async () => {
    prometheus.series = [
      ...proxySeries({ authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v1', success: 12, latencyRates: LINKERD_BUCKETS_MS.map(() => 0).concat([0]) }),
      ...proxySeries({ authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v2', success: 3 }),
    ];
    for (const way of bothWays) {
      const stats = await way.stats({ splits: [web], window: { text: '1m', ms: 60_000 } });
      for (const leaf of ['web-v1', 'web-v2']) {
        const leafStats = row(stats, 0, leaf).stats;
        assert.deepEqual([leafStats?.latencyMsP50, leafStats?.latencyMsP95, leafStats?.latencyMsP99], [0, 0, 0], `${way.name} ${leaf}`);
      }
    }
  });

  it('gives the split total, observed shares over every request to the apex, and quantiles', async () => {
    prometheus.series = [
      ...proxySeries({ authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v1', success: 90, latencyRates: allIn(10, 1.5) }),
      ...proxySeries({ authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v2', success: 5, failure: 1, latencyRates: allIn(100, 0.1) }),
      // A leaf the split no longer lists still served part of the apex's requests.
      ...proxySeries({ authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-old', success: 4 }),
    ];
    const [web0] = await source().stats({ splits: [web], window: { text: '1m', ms: 60_000 } });
    assert.ok(web0);
    assert.equal(web0.total?.successCount, 99);
    assert.equal(web0.total?.failureCount, 1);
    assert.equal(row([web0], 0, 'web-v1').observedRatio, 0.9);
    assert.equal(row([web0], 0, 'web-v2').observedRatio, 0.06);
    const v1 = row([web0], 0, 'web-v1').stats;
    assert.deepEqual([v1?.latencyMsP50, v1?.latencyMsP95, v1?.latencyMsP99], [7.5, 9.75, 9.95]);
    // Over both leaves: 1.5/s in (5, 10] and 0.1/s in (50, 100]; the median stays in (5, 10].
    assert.ok(web0.total !== null && web0.total.latencyMsP50 > 5 && web0.total.latencyMsP50 <= 10);
    assert.ok(web0.total !== null && web0.total.latencyMsP99 > 50 && web0.total.latencyMsP99 <= 100);
  });

  it('evaluates every query of one call at the same instant', async () => {
    await source().stats({ splits: [web], window: { text: '1m', ms: 60_000 } });
    // The probe for 2.13+ proxies, then counts and bucket rates, all at the same instant.
    assert.equal(prometheus.received.length, 3);
    assert.equal(numberQueries(prometheus.received).length, 2);
    assert.deepEqual(new Set(prometheus.received.map((query) => query.time)), new Set(['1700000000.000']));
    assert.ok(prometheus.received.every((query) => query.method === 'POST' && query.path === '/api/v1/query'));
  });

  it('passes the -t text verbatim, or the window in Prometheus syntax', async () => {
    await source().stats({ splits: [web], window: { text: '1m30s', ms: 90_000 } });
    assert.ok(numberQueries(prometheus.received).every((query) => query.query.includes('[1m30s]')));
    prometheus.received.length = 0;
    await source().stats({ splits: [web], window: { text: '1.5m', ms: 90_000 } });
    assert.ok(numberQueries(prometheus.received).every((query) => query.query.includes('[1m30s]')));
    prometheus.received.length = 0;
    await source().stats({ splits: [web], window: { text: '1m', ms: 60_000 } });
    assert.ok(numberQueries(prometheus.received).every((query) => query.query.includes('[1m]')));
  });

  it('filters by --to in PromQL: other leaves have no stats', async () => {
    prometheus.series = [
      ...proxySeries({ authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v1', success: 60 }),
      ...proxySeries({ authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v2', success: 6 }),
    ];
    const stats = await source().stats({ splits: [web], window: { text: '1m', ms: 60_000 }, to: { namespace: 'prod', service: 'web-v2' } });
    assert.equal(row(stats, 0, 'web-v1').stats, null);
    assert.equal(row(stats, 0, 'web-v2').stats?.successCount, 6);
    assert.equal(row(stats, 0, 'web-v2').observedRatio, null, 'a filtered answer gives no share of the apex');
  });

  it('counts only --from clients', async () => {
    prometheus.series = [
      ...proxySeries({ client: { namespace: 'shop', deployment: 'checkout', pod: 'c-1' }, authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v1', success: 7 }),
      ...proxySeries({ client: { namespace: 'shop', deployment: 'cart', pod: 'k-1' }, authority: 'web.prod.svc.cluster.local:8080', dstNamespace: 'prod', dstService: 'web-v1', success: 100 }),
    ];
    const stats = await source().stats({ splits: [web], window: { text: '1m', ms: 60_000 }, from: { namespace: 'shop', kind: 'deployment', name: 'checkout' } });
    assert.equal(row(stats, 0, 'web-v1').stats?.successCount, 7);
  });
});

describe('linkerd schema: batched answers equal per-split answers', () => {
  /** Deterministic pseudo-random numbers, so a failure can be replayed. */
  function rng(seed: number): () => number {
    let state = seed >>> 0;
    return () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
  }

  function cluster(seed: number) {
    const random = rng(seed);
    const splits = [];
    const series: FakeSeries[] = [];
    for (let i = 0; i < 40; i++) {
      const namespace = `ns-${i % 7}`;
      const apex = `app-${i}`;
      const leaves = [`${apex}-v1`, `${apex}-v2`, `${apex}-v3`];
      splits.push(trafficSplit(namespace, `split-${i}`, apex, { [leaves[0] as string]: 900, [leaves[1] as string]: 100, [leaves[2] as string]: 0 }));
      for (const leaf of leaves.slice(0, i % 3 === 0 ? 1 : 2)) {
        for (const port of ['8080', '80']) {
          for (const tls of ['true', 'no_identity']) {
            // Fractional increases, many close to .5: rounding per series decides the outcome.
            const fractional = (): number => Math.floor(random() * 40) / 4 + (random() < 0.3 ? 0.5 : 0);
            series.push(
              ...proxySeries({
                client: { namespace: `client-${Math.floor(random() * 3)}`, deployment: 'load', pod: `load-${port}` },
                authority: `${apex}.${namespace}.svc.cluster.local:${port}`,
                dstNamespace: namespace,
                dstService: leaf,
                tls,
                success: fractional(),
                failure: random() < 0.5 ? fractional() : undefined,
                latencyRates: random() < 0.2 ? [] : LINKERD_BUCKETS_MS.map(() => (random() < 0.3 ? Math.floor(random() * 100) / 10 : 0)).concat([random() < 0.1 ? 1 : 0]),
              }),
            );
          }
        }
      }
    }
    // Two splits of the same apex (both must get its numbers), and one nobody calls.
    splits.push(trafficSplit('ns-0', 'split-0-copy', 'app-0', { 'app-0-v1': 1 }));
    splits.push(trafficSplit('ns-1', 'quiet', 'quiet', { 'quiet-v1': 1 }));
    // Traffic to an apex without a split is never counted.
    series.push(...proxySeries({ authority: 'nosplit.ns-1.svc.cluster.local:80', dstNamespace: 'ns-1', dstService: 'nosplit-v1', success: 10 }));
    return { splits, series };
  }

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: 40 splits, every number equal, with a constant number of queries`, async () => {
      const { splits, series } = cluster(seed);
      prometheus.series = series;
      const selections = [{}, { from: { namespace: 'client-1' } }, { to: { namespace: 'ns-2', service: null } }];
      for (const selection of selections) {
        prometheus.received.length = 0;
        const reference = await perSplit({ splits, window: { text: '1m', ms: 60_000 }, ...selection });
        assert.equal(prometheus.received.length, 7 * splits.length);
        prometheus.received.length = 0;
        const batched = await source().stats({ splits, window: { text: '1m', ms: 60_000 }, ...selection });
        assert.equal(numberQueries(prometheus.received).length, 2, 'one batch: counts and bucket rates');
        assertSameNumbers(batched, reference);
        assert.ok(batched.some((entry) => entry.rows.some((candidate) => candidate.stats !== null)), 'the data set has traffic');
      }
      const copy = (await source().stats({ splits, window: { text: '1m', ms: 60_000 } })).slice(-2);
      assert.deepEqual(copy[0]?.total, (await source().stats({ splits: [splits[0] as (typeof splits)[number]], window: { text: '1m', ms: 60_000 } }))[0]?.total);
      assert.equal(copy[1]?.total, null);
    });
  }

  it("keeps Linkerd's wildcard dots: a split whose pattern matches another's authority is asked on its own", async () => {
    const short = trafficSplit('b', 'short', 'a', { 'a-v1': 1, 'a-b-svc-v1': 1 });
    const long = trafficSplit('foo', 'long', 'a-b-svc', { 'a-b-svc-v1': 1 });
    const plain = trafficSplit('b', 'plain', 'web', { 'web-v1': 1 });
    assert.deepEqual([...overlappingSplits([plain, long, short])].map((split) => split.name).sort(), ['long', 'short']);
    prometheus.series = [
      ...proxySeries({ authority: 'a.b.svc.cluster.local:80', dstNamespace: 'b', dstService: 'a-v1', success: 10 }),
      // ^a.b.svc.* matches this authority too ("-" for each dot), so Linkerd counted it for both.
      ...proxySeries({ authority: 'a-b-svc.foo.svc.cluster.local:80', dstNamespace: 'foo', dstService: 'a-b-svc-v1', success: 5 }),
      ...proxySeries({ authority: 'web.b.svc.cluster.local:80', dstNamespace: 'b', dstService: 'web-v1', success: 1 }),
    ];
    const splits = [short, long, plain];
    const reference = await perSplit({ splits, window: { text: '1m', ms: 60_000 } });
    assert.equal(reference[0]?.total?.successCount, 15);
    assert.equal(reference[1]?.total?.successCount, 5);
    prometheus.received.length = 0;
    assertSameNumbers(await source().stats({ splits, window: { text: '1m', ms: 60_000 } }), reference);
    assert.equal(numberQueries(prometheus.received).length, 3 * 2, 'the plain split batched, the two overlapping ones alone');
  });

  it('splits long lists into a few batches, still far fewer queries than splits', async () => {
    const { splits, series } = cluster(4);
    prometheus.series = series;
    const narrow = new PrometheusStatSource({ client: new PrometheusClient({ url: prometheus.url }), schema: linkerdQuerySchema({ regexBudget: 200 }) });
    const batched = await narrow.stats({ splits, window: { text: '1m', ms: 60_000 } });
    const batches = numberQueries(prometheus.received).length / 2;
    assert.ok(batches > 1 && batches < 10, `${batches} batches`);
    assertSameNumbers(batched, await perSplit({ splits, window: { text: '1m', ms: 60_000 } }));
  });
});
