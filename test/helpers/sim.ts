// Helpers shared by the simulator's tests: a deliberately tiny Prometheus text reader (the real
// parser lives in src/collect and is what these tests must not depend on), and small scenarios.
// Named *.test.ts so it stays out of the build; it declares no tests itself, so importing it
// does not repeat any (its parser is checked in linkerd-exposition.test.ts).
import { DEMO_SCENARIO_YAML, parseScenarioText } from '../../src/sim/index.js';
import type { Scenario, SplitManifest } from '../../src/sim/index.js';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/y;

/** Samples of an exposition page; throws on any line it cannot read. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE_LINE.exec(line);
    if (match === null) throw new Error(`unreadable line: ${line}`);
    const [, name = '', labelText = '', value = ''] = match;
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    while (LABEL.lastIndex < labelText.length) {
      const label = LABEL.exec(labelText);
      if (label === null) throw new Error(`unreadable labels: ${line}`);
      labels[label[1]!] = label[2]!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name, labels, value: value === '+Inf' ? Infinity : Number(value) });
  }
  return samples;
}

/** Adds up the samples of one metric that pass `where`, grouped by the key `by` returns. */
export function sumBy(samples: readonly Sample[], name: string, by: (labels: Readonly<Record<string, string>>) => string | undefined): Map<string, number> {
  const sums = new Map<string, number>();
  for (const sample of samples) {
    if (sample.name !== name) continue;
    const key = by(sample.labels);
    if (key === undefined) continue;
    sums.set(key, (sums.get(key) ?? 0) + sample.value);
  }
  return sums;
}

/** One split `default/web` (apex web) with backends given as YAML list items, one client. */
export function oneSplitScenario({
  backends,
  rps = 100,
  pods = 1,
  seed = 7,
  protocol = 'http',
  schedule = '',
}: {
  backends: string;
  rps?: number;
  pods?: number;
  seed?: number;
  protocol?: 'http' | 'grpc';
  schedule?: string;
}): Scenario {
  return parseScenarioText(
    `seed: ${seed}
splits:
  - name: web
    apex: web
    backends:
${backends}
clients:
  - workload: deployment/client
    pods: ${pods}
    protocol: ${protocol}
    calls: [{ split: default/web, rps: ${rps} }]
${schedule}`,
    'test.yaml',
  );
}

/**
 * The demo's TrafficSplits and their traffic with every client on the older Linkerd proxies (pods
 * alternating the 2.11 and 2.8 label layouts, `authority` naming the apex), for tests that read
 * pages that way. Older proxies cannot route by HTTPRoute, so the demo's HTTPRoute splits, the
 * calls and schedule steps to them, and clients left with no call are not in it.
 */
export function demoOnOlderProxies(): Scenario {
  const demo = parseScenarioText(DEMO_SCENARIO_YAML, 'demo.yaml');
  const routes = new Set(demo.splits.filter((split) => split.kind === 'HTTPRoute').map((split) => `${split.namespace}/${split.name}`));
  const isRoute = (ref: { namespace: string; name: string }) => routes.has(`${ref.namespace}/${ref.name}`);
  return {
    ...demo,
    splits: demo.splits.filter((split) => split.kind !== 'HTTPRoute'),
    clients: demo.clients
      .map((client) => ({ ...client, mesh: 'linkerd' as const, proxy: undefined, calls: client.calls.filter((call) => !isRoute(call.split)) }))
      .filter((client) => client.calls.length > 0),
    schedule: demo.schedule.filter((step) => !isRoute(step.split)),
  };
}

/** A split manifest's backends and weights, whichever kind it is (an HTTPRoute's single rule). */
export function manifestBackends(manifest: SplitManifest): { service: string; weight: number | string }[] {
  if (manifest.kind === 'TrafficSplit') return manifest.spec.backends.map(({ service, weight }) => ({ service, weight }));
  return manifest.spec.rules.flatMap((rule) => rule.backendRefs.map(({ name, weight }) => ({ service: name, weight })));
}

/** The apex Service of a split manifest: a TrafficSplit's spec.service, an HTTPRoute's Service parent. */
export function manifestApex(manifest: SplitManifest): string {
  return manifest.kind === 'TrafficSplit' ? manifest.spec.service : (manifest.spec.parentRefs[0]?.name ?? '');
}
