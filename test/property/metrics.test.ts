// Properties of the exported /metrics page (createMetricsRegistry, src/api/metrics): whatever
// splits exist (names, namespaces, services, labels of any text, weights of any kind), whatever
// traffic the window holds and whatever the scraped proxies sent, rendering never throws, the page
// is valid for Prometheus (promtool check metrics has nothing to say) and it holds every series
// the state implies exactly once, with its own labels and value.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { normalizeHttpRoute, normalizeTrafficSplit, splitKindLabel } from '../../src/splits/index.js';
import type { TrafficSplit } from '../../src/splits/index.js';
import { createLinkerdAdapter, splitEdge } from '../../src/mesh/index.js';
import { TrafficWindow } from '../../src/window/index.js';
import { ScrapeEngine, splitApexFilter } from '../../src/ingest/index.js';
import { createMetricsRegistry } from '../../src/api/index.js';
import { CLIENT, promtoolCheck, samplesOf, testContext } from '../helpers/metrics-state.js';
import type { Sample } from '../helpers/metrics-state.js';

// fast-check reports the failed assertion's message next to the counterexample.
fc.configureGlobal({ includeErrorInReport: true });

// --- generated state --------------------------------------------------------------------------

/**
 * Label text that is hard to write out: quotes, backslashes, line breaks, non-ASCII, and the
 * separators and label names an encoder may join label values with.
 */
const atom = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('web', 'v1', 'v2', 'a', 'b') },
  { weight: 2, arbitrary: fc.constantFrom('"', '\\', '\n', '\\n', ' ', 'é', '😀', '\u2028', '{', '}', '=', '#', ',', ':', '/', '|', '') },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 4 }) },
);
const text = fc.array(atom, { minLength: 1, maxLength: 3 }).map((parts) => parts.join(''));

/**
 * Places where one text may be cut in two (namespace and name, apex and backend): an encoding of
 * label sets that only joins values would give both cuts the same series.
 */
const separator = fc.constantFrom(',trafficsplit:', ',backend:', ',namespace:', '/', '|', ':', ',');

const weight = fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constantFrom('900m', '1Ki', '1e308', '-5', 'x', '0.1n', null), fc.double());

interface SplitSpec {
  readonly kind: 'TrafficSplit' | 'HTTPRoute' | 'LinkerdHTTPRoute';
  readonly namespace: string;
  readonly name: string;
  readonly apex: string;
  readonly backends: readonly (readonly [string, unknown])[];
  readonly labels: Readonly<Record<string, string>>;
}

const splitSpec: fc.Arbitrary<SplitSpec> = fc.record({
  kind: fc.constantFrom('TrafficSplit' as const, 'HTTPRoute' as const, 'LinkerdHTTPRoute' as const),
  namespace: text,
  name: text,
  apex: text,
  backends: fc.array(fc.tuple(text, weight), { minLength: 1, maxLength: 3 }),
  labels: fc.dictionary(text, text, { maxKeys: 2 }),
});

/** Splits whose namespace and name are two cuts of one text, with everything else alike. */
const cutSplits: fc.Arbitrary<SplitSpec[]> = fc
  .tuple(fc.array(fc.constantFrom('a', 'b', 'web'), { minLength: 3, maxLength: 4 }), separator, splitSpec)
  .map(([atoms, sep, like]) =>
    atoms.slice(1).map((_, cut) => ({ ...like, namespace: atoms.slice(0, cut + 1).join(sep), name: atoms.slice(cut + 1).join(sep) })),
  );

function normalise(spec: SplitSpec): TrafficSplit[] {
  const metadata = { namespace: spec.namespace, name: spec.name, labels: spec.labels };
  if (spec.kind === 'TrafficSplit') {
    const result = normalizeTrafficSplit({
      apiVersion: 'split.smi-spec.io/v1alpha2',
      kind: 'TrafficSplit',
      metadata,
      spec: { service: spec.apex, backends: spec.backends.map(([service, w]) => ({ service, weight: w })) },
    });
    return result.ok ? [result.split] : [];
  }
  const result = normalizeHttpRoute({
    apiVersion: spec.kind === 'HTTPRoute' ? 'gateway.networking.k8s.io/v1' : 'policy.linkerd.io/v1beta3',
    kind: 'HTTPRoute',
    metadata,
    spec: {
      parentRefs: [{ kind: 'Service', group: '', name: spec.apex }],
      rules: [{ backendRefs: spec.backends.map(([name, w]) => ({ name, weight: typeof w === 'number' && Number.isInteger(w) && w >= 0 ? w : 1 })) }],
    },
  });
  return result.ok ? [...result.splits] : [];
}

/** Values a page may carry for a counter: real counts and everything else. */
const pageValue = fc.oneof(fc.nat({ max: 10_000 }).map(String), fc.constantFrom('1e308', '1.7e308', '+Inf', '-Inf', 'NaN', '-5', '0x1p60', '9007199254740993', '1_000', 'garbage'));

interface State {
  readonly splits: readonly SplitSpec[];
  /** Increases committed straight into the window, per split backend (cycled through). */
  readonly traffic: readonly (readonly [number, number, number])[];
  /** Pages the scraped proxies answer with, one per cycle. */
  readonly pages: readonly (readonly string[])[];
  readonly target: { readonly namespace: string; readonly pod: string };
}

const state: fc.Arbitrary<State> = fc.record({
  splits: fc.oneof(fc.array(splitSpec, { minLength: 1, maxLength: 4 }), fc.tuple(cutSplits, fc.array(splitSpec, { maxLength: 2 })).map(([a, b]) => [...a, ...b])),
  traffic: fc.array(fc.tuple(fc.nat(), fc.oneof(fc.nat({ max: 1000 }), fc.constant(2 ** 53 - 1), fc.double({ min: 0, max: 1e6, noNaN: true })), fc.nat({ max: 30_000 })), { maxLength: 8 }),
  pages: fc.array(fc.array(fc.tuple(fc.nat(), fc.constantFrom('success', 'failure'), pageValue, fc.constantFrom('1', '10', '+Inf', '7')), { maxLength: 6 }).map((rows) => rows.map((row) => JSON.stringify(row))), { minLength: 1, maxLength: 3 }),
  target: fc.record({ namespace: text, pod: text }),
});

function escape(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

/** A Linkerd 2.12 proxy page: responses and latency buckets of requests sent to the splits' apexes. */
function page(rows: readonly string[], splits: readonly TrafficSplit[]): string {
  const lines = rows.flatMap((row) => {
    const [which, classification, value, le] = JSON.parse(row) as [number, string, string, string];
    const split = splits[which % Math.max(1, splits.length)];
    const backend = split?.backends[which % Math.max(1, split.backends.length)];
    if (split === undefined || backend === undefined) return [];
    const labels = `direction="outbound",authority="${escape(`${split.apex}.${split.namespace}.svc.cluster.local:8080`)}",dst_namespace="${escape(split.namespace)}",dst_service="${escape(backend.service)}",tls="true"`;
    return [`response_total{${labels},classification="${classification}"} ${value}`, `response_latency_ms_bucket{${labels},le="${le}"} ${value}`, `response_latency_ms_sum{${labels}} ${value}`];
  });
  return `${lines.join('\n')}\n`;
}

/** A proxy on a free loopback port serving whatever `body()` says at the time. */
async function pageServer(body: () => string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end(body()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/metrics`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function render(s: State): Promise<{ text: string; splits: TrafficSplit[] }> {
  const mesh = createLinkerdAdapter();
  const window = new TrafficWindow({ latencyBucketsMs: mesh.latencyBucketsMs, routeLatencyBucketsMs: mesh.routeLatencyBucketsMs });
  const t = testContext({ window });
  for (const split of s.splits.flatMap(normalise)) t.store.upsert(split);
  const splits = t.store.list();

  // Traffic as the engine would have committed it, for every split's backends.
  const backends = splits.flatMap((split) => split.backends.map((backend) => splitEdge(split, backend.service)));
  let now = 1_700_000_000_000;
  const interval = window.openInterval();
  for (const [which, delta, latencyMs] of s.traffic) {
    const edge = backends[which % Math.max(1, backends.length)];
    if (edge === undefined) continue;
    interval.addResponses(edge, CLIENT, which % 2 === 0 ? 'success' : 'failure', delta);
    for (const le of window.boundsOf(edge)) if (latencyMs <= le) interval.addLatency(edge, CLIENT, le, delta);
    interval.addLatencySum(edge, CLIENT, latencyMs * delta);
  }
  window.commit(interval, now - 10_000, now);

  // And a scrape engine that read the generated pages, so its own families have something to say.
  let cycle = 0;
  const proxy = await pageServer(() => page(s.pages[cycle] ?? [], splits));
  const filter = splitApexFilter(t.store);
  const engine = new ScrapeEngine({
    targets: { targets: () => [{ url: proxy.url, namespace: s.target.namespace, pod: s.target.pod }] },
    mesh,
    window,
    keepEdge: filter.keepEdge,
    edgesOfLeaf: filter.edgesOfLeaf,
    now: () => now,
  });
  const registry = createMetricsRegistry({ ...t.ctx, engine }, { collectDefaultMetrics: false });
  for (cycle = 0; cycle < s.pages.length; cycle++) {
    now += 10_000;
    await engine.runCycle();
  }
  await engine.stop();
  await proxy.close();
  filter.dispose();
  return { text: await registry.metrics(), splits };
}

/** A sample's identity: its name and its label set. */
function seriesOf(sample: Sample): string {
  return JSON.stringify([sample.name, Object.entries(sample.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

function assertSeries(samples: readonly Sample[], splits: readonly TrafficSplit[]): void {
  const seen = new Set<string>();
  for (const sample of samples) {
    const key = seriesOf(sample);
    assert.ok(!seen.has(key), `${key} appears twice`);
    seen.add(key);
  }
  const find = (name: string, labels: Readonly<Record<string, string>>): Sample[] => samples.filter((sample) => seriesOf(sample) === seriesOf({ name, labels, value: 0 }));
  for (const split of splits) {
    const kind = splitKindLabel(split);
    assert.equal(find('trafficsplit_info', { namespace: split.namespace, trafficsplit: split.name, apex: split.apex, api_version: split.apiVersion, kind }).length, 1, `info of ${split.key}`);
    for (const backend of split.backends) {
      const labels = { namespace: split.namespace, trafficsplit: split.name, apex: split.apex, backend: backend.service, kind };
      const weights = find('trafficsplit_backend_weight', labels);
      if (backend.weightValue === null) assert.equal(weights.length, 0, `no weight for ${split.key} ${backend.service}`);
      else assert.deepEqual(weights.map((w) => w.value), [backend.weightValue], `weight of ${split.key} ${backend.service}`);
      const ratios = find('trafficsplit_backend_weight_ratio', labels);
      assert.deepEqual(ratios.map((r) => r.value), backend.weightRatio === null ? [] : [backend.weightRatio], `ratio of ${split.key} ${backend.service}`);
      for (const classification of ['success', 'failure']) {
        assert.equal(find('trafficsplit_backend_responses_total', { ...labels, classification }).length, 1, `${classification} of ${split.key} ${backend.service}`);
      }
      assert.equal(find('trafficsplit_backend_response_latency_seconds_count', labels).length, 1, `latency of ${split.key} ${backend.service}`);
    }
  }
}

// --- properties -------------------------------------------------------------------------------

describe('the /metrics page', () => {
  it('renders every series the state implies once, with its own labels and value', async () => {
    await fc.assert(
      fc.asyncProperty(state, async (s) => {
        const { text: page, splits } = await render(s);
        const samples = samplesOf(page);
        assertSeries(samples, splits);
        for (const sample of samples) assert.ok(!Number.isNaN(sample.value) || sample.name.startsWith('process_'), `${sample.name} is a number`);
      }),
      { numRuns: 80 },
    );
  });

  it('always passes promtool check metrics', async () => {
    // promtool is a process per check: a few dozen pages of the nastiest state are enough.
    await fc.assert(
      fc.asyncProperty(state, async (s) => {
        const { text: page } = await render(s);
        const { code, output } = await promtoolCheck(page);
        assert.equal(output.trim(), '', 'promtool reports no problems');
        assert.equal(code, 0);
      }),
      { numRuns: 20 },
    );
  });
});
