// Linkerd's outbound `authority` label is the logical name the client addressed, normalised by
// the proxy to the service's FQDN, usually with a port: `web.prod.svc.cluster.local:8080`.

export interface ServiceAuthority {
  readonly service: string;
  readonly namespace: string;
}

/**
 * Reads `<service>.<namespace>.svc.<clusterDomain>[.][:port]`; null for anything else (external
 * hosts, pod IPs, other cluster domains), which cannot be the apex of a TrafficSplit.
 */
export function parseServiceAuthority(authority: string, clusterDomain: string): ServiceAuthority | null {
  let host = authority;
  const colon = host.lastIndexOf(':');
  if (colon !== -1 && /^\d+$/.test(host.slice(colon + 1))) host = host.slice(0, colon);
  if (host.endsWith('.')) host = host.slice(0, -1);
  const suffix = `.svc.${clusterDomain}`;
  if (!host.endsWith(suffix)) return null;
  const serviceAndNamespace = host.slice(0, -suffix.length);
  const dot = serviceAndNamespace.indexOf('.');
  if (dot <= 0 || dot === serviceAndNamespace.length - 1) return null;
  const service = serviceAndNamespace.slice(0, dot);
  const namespace = serviceAndNamespace.slice(dot + 1);
  if (namespace.includes('.')) return null;
  return { service, namespace };
}
