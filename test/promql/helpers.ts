// Shared by the promql tests: TrafficSplits from manifest text, and the proxies' series in the
// shape linkerd-viz's Prometheus stores them.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { parseManifestText } from '../../src/splits/index.js';
import type { TrafficSplit } from '../../src/splits/index.js';
import type { FakeSeries } from './fake-prometheus.js';

export function trafficSplit(namespace: string, name: string, apex: string, backends: Readonly<Record<string, string | number>>): TrafficSplit {
  const lines = Object.entries(backends).map(([service, weight]) => `    - service: ${service}\n      weight: ${typeof weight === 'string' ? JSON.stringify(weight) : weight}`);
  const text = `apiVersion: split.smi-spec.io/v1alpha1\nkind: TrafficSplit\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\nspec:\n  service: ${apex}\n  backends:\n${lines.join('\n')}\n`;
  const split = parseManifestText(text, 'test.yaml').splits[0];
  if (split === undefined) throw new Error('test split did not parse');
  return split;
}

export const LINKERD_BUCKETS_MS = [1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000, 10000, 20000, 30000, 40000, 50000];

export interface ProxyTraffic {
  /** The client pod's labels Prometheus adds (namespace, deployment, pod…). */
  readonly client?: Readonly<Record<string, string>>;
  readonly authority: string;
  readonly dstNamespace: string;
  readonly dstService: string;
  readonly success?: number;
  readonly failure?: number;
  readonly tls?: string;
  /** Non-cumulative per-bucket rates, aligned with LINKERD_BUCKETS_MS plus +Inf; empty: no latency series. */
  readonly latencyRates?: readonly number[];
}

/** response_total (one series per classification) and response_latency_ms_bucket series. */
export function proxySeries(traffic: ProxyTraffic): FakeSeries[] {
  const base = {
    ...(traffic.client ?? { namespace: 'clients', deployment: 'client', pod: 'client-1' }),
    direction: 'outbound',
    authority: traffic.authority,
    dst_namespace: traffic.dstNamespace,
    dst_service: traffic.dstService,
    tls: traffic.tls ?? 'true',
  };
  const out: FakeSeries[] = [];
  if (traffic.success !== undefined) out.push({ name: 'response_total', labels: { ...base, classification: 'success', status_code: '200' }, value: traffic.success });
  if (traffic.failure !== undefined) out.push({ name: 'response_total', labels: { ...base, classification: 'failure', status_code: '500' }, value: traffic.failure });
  const rates = traffic.latencyRates ?? [];
  let cumulative = 0;
  const bounds = [...LINKERD_BUCKETS_MS.map(String), '+Inf'];
  if (rates.length > 0) {
    bounds.forEach((le, i) => {
      cumulative += rates[i] ?? 0;
      const { tls: _tls, ...latencyBase } = base;
      out.push({ name: 'response_latency_ms_bucket', labels: { ...latencyBase, le }, value: cumulative });
    });
  }
  return out;
}

/** Per-bucket rates with everything in the bucket whose upper bound is `ms`. */
export function allIn(ms: number, rate: number): number[] {
  const index = LINKERD_BUCKETS_MS.indexOf(ms);
  if (index < 0) throw new Error(`${ms} is not a bucket bound`);
  return LINKERD_BUCKETS_MS.map((_bound, i) => (i === index ? rate : 0)).concat([0]);
}

/** A loopback port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
