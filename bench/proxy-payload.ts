// A synthetic but realistic Linkerd proxy /metrics body: a busy client pod talking to many
// services, with label sets shaped like the real dumps in test/fixtures/collect/ (2.9-era outbound
// HTTP labels with dst_*, 2.11-era inbound labels with target_addr/srv_*), the proxy's latency
// buckets, and HELP/TYPE lines per family. Deterministic, so runs are comparable.

export const LINKERD_BUCKETS = [
  '1', '2', '3', '4', '5', '10', '20', '30', '40', '50', '100', '200', '300', '400', '500',
  '1000', '2000', '3000', '4000', '5000', '10000', '20000', '30000', '40000', '50000', '+Inf',
] as const;

interface Destination {
  readonly outbound: string;
  readonly tcp: string;
}

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function destinations(services: number, podsPerService: number): Destination[] {
  const result: Destination[] = [];
  for (let s = 0; s < services; s++) {
    const namespace = `team-${s % 7}`;
    const service = s % 3 === 0 ? `checkout-v${s % 4}` : `svc-${s}`;
    const deployment = `${service}-deploy`;
    const hash = (0x5f3a9c + s * 7919).toString(16).slice(0, 10);
    const authority = `apex-${Math.floor(s / 3)}.${namespace}.svc.cluster.local:8080`;
    for (let p = 0; p < podsPerService; p++) {
      const pod = `${deployment}-${hash}-${(p * 2654435761 >>> 0).toString(36).slice(0, 5)}`;
      const serverId = `${service}.${namespace}.serviceaccount.identity.linkerd.cluster.local`;
      const dst =
        `dst_control_plane_ns="linkerd",dst_deployment="${deployment}",dst_namespace="${namespace}",` +
        `dst_pod="${pod}",dst_pod_template_hash="${hash}",dst_service="${service}",dst_serviceaccount="${service}"`;
      result.push({
        outbound: `authority="${authority}",direction="outbound",${dst},tls="true",server_id="${serverId}"`,
        tcp:
          `direction="outbound",peer="dst",target_addr="10.42.${s % 250}.${p + 10}:8080",target_ip="10.42.${s % 250}.${p + 10}",` +
          `target_port="8080",tls="true",server_id="${serverId}",${dst}`,
      });
    }
  }
  return result;
}

const INBOUND =
  'direction="inbound",target_addr="0.0.0.0:8080",target_ip="0.0.0.0",target_port="8080",tls="true",' +
  'client_id="web.emojivoto.serviceaccount.identity.linkerd.cluster.local",srv_kind="default",' +
  'srv_name="all-unauthenticated",authz_kind="default",authz_name="all-unauthenticated"';

/** Builds a body of at least `targetBytes` characters (all ASCII, so characters = bytes). */
export function linkerdProxyPayload(targetBytes: number): string {
  // Each service (three pods, two status codes) adds about 76 KB.
  const perService = 76_000;
  const services = Math.max(1, Math.ceil(targetBytes / perService));
  const next = random(42);
  const dests = destinations(services, 3);
  const statuses = [
    { code: '200', classification: 'success' },
    { code: '503', classification: 'failure' },
  ];
  const families = {
    request_total: [] as string[],
    response_total: [] as string[],
    response_latency_ms: [] as string[],
    tcp_open_total: [] as string[],
    tcp_read_bytes_total: [] as string[],
    tcp_write_bytes_total: [] as string[],
    tcp_open_connections: [] as string[],
  };

  const addHttp = (labels: string): void => {
    families.request_total.push(`request_total{${labels}} ${Math.floor(next() * 1e6)}`);
    for (const status of statuses) {
      const count = Math.floor(next() * (status.code === '200' ? 1e6 : 1e3));
      families.response_total.push(
        `response_total{${labels},status_code="${status.code}",classification="${status.classification}"} ${count}`,
      );
      let cumulative = 0;
      for (const le of LINKERD_BUCKETS) {
        cumulative += le === '+Inf' ? 0 : Math.floor((count / LINKERD_BUCKETS.length) * next());
        const value = le === '+Inf' ? count : Math.min(cumulative, count);
        families.response_latency_ms.push(`response_latency_ms_bucket{${labels},status_code="${status.code}",le="${le}"} ${value}`);
      }
      families.response_latency_ms.push(`response_latency_ms_count{${labels},status_code="${status.code}"} ${count}`);
      families.response_latency_ms.push(`response_latency_ms_sum{${labels},status_code="${status.code}"} ${(count * 3.7).toFixed(0)}`);
    }
  };

  addHttp(INBOUND);
  for (const dest of dests) {
    addHttp(dest.outbound);
    families.tcp_open_total.push(`tcp_open_total{${dest.tcp}} ${Math.floor(next() * 1000)}`);
    families.tcp_read_bytes_total.push(`tcp_read_bytes_total{${dest.tcp}} ${Math.floor(next() * 1e9)}`);
    families.tcp_write_bytes_total.push(`tcp_write_bytes_total{${dest.tcp}} ${Math.floor(next() * 1e9)}`);
    families.tcp_open_connections.push(`tcp_open_connections{${dest.tcp}} ${Math.floor(next() * 20)}`);
  }

  const help: Record<keyof typeof families, [string, string]> = {
    request_total: ['counter', 'Total count of HTTP requests.'],
    response_total: ['counter', 'Total count of HTTP responses.'],
    response_latency_ms: ['histogram', "Elapsed times between a request's headers being received and its response stream completing"],
    tcp_open_total: ['counter', 'Total count of opened connections'],
    tcp_read_bytes_total: ['counter', 'Total count of bytes read from peers'],
    tcp_write_bytes_total: ['counter', 'Total count of bytes written to peers'],
    tcp_open_connections: ['gauge', 'Number of currently-open connections'],
  };
  const parts: string[] = [
    '# HELP process_start_time_seconds Time that the process started (in seconds since the UNIX epoch)',
    '# TYPE process_start_time_seconds gauge',
    'process_start_time_seconds 1650967123',
  ];
  for (const [family, lines] of Object.entries(families) as [keyof typeof families, string[]][]) {
    const [type, text] = help[family];
    parts.push(`# HELP ${family} ${text}`, `# TYPE ${family} ${type}`, ...lines);
  }
  return parts.join('\n') + '\n';
}
