// What splitstat needs to know about a pod, read once when the pod changes: whether it runs a
// Linkerd proxy, whether that proxy can be scraped now, and where.
import { isIPv6 } from 'node:net';
import type { V1ObjectMeta, V1Pod } from '@kubernetes/client-node';

export const PROXY_CONTAINER = 'linkerd-proxy';
/** Set by the proxy injector on every meshed pod. */
export const PROXY_VERSION_ANNOTATION = 'linkerd.io/proxy-version';
export const DEFAULT_ADMIN_PORT = 4191;

export interface MeshedPod {
  readonly namespace: string;
  readonly name: string;
  /** Running, with an address: its proxy can be scraped. */
  readonly scrapable: boolean;
  readonly ip: string | undefined;
  readonly labels: Readonly<Record<string, string>>;
  readonly owners: NonNullable<V1ObjectMeta['ownerReferences']>;
}

/** The pod's scrape-relevant facts; undefined for a pod without a Linkerd proxy. */
export function readMeshedPod(pod: V1Pod): MeshedPod | undefined {
  if (!isMeshed(pod)) return undefined;
  const metadata = pod.metadata ?? {};
  const ip = pod.status?.podIP ?? pod.status?.podIPs?.[0]?.ip;
  const usableIp = ip === undefined || ip === '' ? undefined : ip;
  return {
    namespace: metadata.namespace ?? 'default',
    name: metadata.name ?? '',
    scrapable: pod.status?.phase === 'Running' && usableIp !== undefined,
    ip: usableIp,
    labels: metadata.labels ?? {},
    owners: metadata.ownerReferences ?? [],
  };
}

export function isMeshed(pod: V1Pod): boolean {
  // The proxy is a regular container, or (Linkerd's native sidecar mode) an init container
  // that keeps running; the injector's annotation covers pods whose spec is trimmed.
  const named = (containers: readonly { name: string }[] | undefined) => containers?.some((container) => container.name === PROXY_CONTAINER) === true;
  return named(pod.spec?.containers) || named(pod.spec?.initContainers) || pod.metadata?.annotations?.[PROXY_VERSION_ANNOTATION] !== undefined;
}

/** The proxy's metrics URL; an IPv6 address goes in brackets. */
export function proxyMetricsUrl(ip: string, adminPort: number): string {
  return `http://${isIPv6(ip) ? `[${ip}]` : ip}:${adminPort}/metrics`;
}
