// A synthetic but realistic Linkerd proxy /metrics body: a busy client pod talking to many
// services, with label sets shaped like the real dumps in test/fixtures/collect/ (2.9-era outbound
// HTTP labels with dst_*, 2.11-era inbound labels with target_addr/srv_*), the proxy's latency
// buckets, and HELP/TYPE lines per family. Deterministic, so runs are comparable.

export const LINKERD_BUCKETS = [
  '1', '2', '3', '4', '5', '10', '20', '30', '40', '50', '100', '200', '300', '400', '500',
  '1000', '2000', '3000', '4000', '5000', '10000', '20000', '30000', '40000', '50000', '+Inf',
] as const;

/** TYPE and HELP of each family both pages write, as the Linkerd proxy writes them. */
const FAMILY_HELP = {
  request_total: ['counter', 'Total count of HTTP requests.'],
  response_total: ['counter', 'Total count of HTTP responses.'],
  response_latency_ms: ['histogram', "Elapsed times between a request's headers being received and its response stream completing"],
  tcp_open_total: ['counter', 'Total count of opened connections'],
  tcp_read_bytes_total: ['counter', 'Total count of bytes read from peers'],
  tcp_write_bytes_total: ['counter', 'Total count of bytes written to peers'],
  tcp_open_connections: ['gauge', 'Number of currently-open connections'],
} as const satisfies Record<string, readonly [string, string]>;

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

  const help = FAMILY_HELP;
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

// A client proxy's page (Linkerd 2.12-style labels) whose outbound authorities are TrafficSplit
// apexes, with counters that advance with time: for benches that scrape a fleet of such proxies
// again and again, where every scrape must find new values (so a scraper cannot skip work) that
// still behave like counters (never fall, histogram buckets cumulative and within their count).

/** A split the page's client calls: its apex Service and the backends that serve it. */
export interface PageSplit {
  readonly namespace: string;
  readonly apex: string;
  readonly backends: readonly { readonly service: string; readonly weight: number }[];
}

export interface SplitPageOptions {
  /** Outbound authorities (each a split apex) the client calls. */
  readonly authorities: number;
  /** Backends per split, one pod each. */
  readonly backendsPerSplit?: number;
  readonly clusterDomain?: string;
}

export interface SplitPage {
  readonly splits: readonly PageSplit[];
  /** Samples per page. */
  readonly samples: number;
  /**
   * Samples of the families a split-aware scraper reads (response_total,
   * response_latency_ms_bucket and _sum, inbound too): what splitstat tracks per pod.
   */
  readonly readSeries: number;
  /** Of those, the split traffic: outbound to a split's apex. */
  readonly splitSeries: number;
  /**
   * The page at `seconds` (since the fleet started; counters grow from their start values at a
   * per-series rate). `variant` scales every rate, so pods of one fleet differ.
   */
  render(seconds: number, variant: number): string;
}

const COUNTER = 0;
const DERIVED = 1;
const CONSTANT = 2;

/**
 * The page as fixed text with numbers in between: rendering is one pass of arithmetic and
 * concatenation, cheap enough for a fleet process to answer thousands of scrapes.
 */
class PageBuilder {
  readonly #parts: string[] = [''];
  readonly #kind: number[] = [];
  /** COUNTER: start value; DERIVED: index of the counter it follows; CONSTANT: the value. */
  readonly #a: number[] = [];
  /** COUNTER: increase per second; DERIVED: factor of the counter. */
  readonly #b: number[] = [];

  text(value: string): void {
    this.#parts[this.#parts.length - 1] += value;
  }

  #slot(kind: number, a: number, b: number): number {
    this.#kind.push(kind);
    this.#a.push(a);
    this.#b.push(b);
    this.#parts.push('');
    return this.#kind.length - 1;
  }

  counter(start: number, perSecond: number): number {
    return this.#slot(COUNTER, start, perSecond);
  }

  /** floor(counter × factor): with factor in [0, 1] it never exceeds the counter, and never falls. */
  derived(counter: number, factor: number): number {
    return this.#slot(DERIVED, counter, factor);
  }

  constant(value: number): number {
    return this.#slot(CONSTANT, value, 0);
  }

  build(): (seconds: number, variant: number) => string {
    const parts = this.#parts;
    const kind = Int8Array.from(this.#kind);
    const a = Float64Array.from(this.#a);
    const b = Float64Array.from(this.#b);
    const values = new Float64Array(kind.length);
    return (seconds, variant) => {
      // Rates between 0.5× and 1.5×, spread evenly over the variants (golden-ratio steps).
      const scale = 0.5 + ((variant * 0.6180339887) % 1);
      const at = Math.max(0, seconds) * scale;
      for (let i = 0; i < kind.length; i++) {
        if (kind[i] === COUNTER) values[i] = Math.floor((a[i] ?? 0) + (b[i] ?? 0) * at);
        else if (kind[i] === CONSTANT) values[i] = a[i] ?? 0;
      }
      // A derived slot follows a counter written anywhere on the page, so counters go first.
      for (let i = 0; i < kind.length; i++) {
        if (kind[i] === DERIVED) values[i] = Math.floor((values[a[i] ?? 0] ?? 0) * (b[i] ?? 0));
      }
      let out = parts[0] ?? '';
      for (let i = 0; i < values.length; i++) out += String(values[i]) + (parts[i + 1] ?? '');
      return out;
    };
  }
}

/** Linkerd's latency histogram as cumulative fractions: exponential with the given median. */
function latencyFractions(medianMs: number): number[] {
  return LINKERD_BUCKETS.map((le) => (le === '+Inf' ? 1 : 1 - Math.exp((-Number(le) * Math.LN2) / medianMs)));
}

/**
 * A Linkerd 2.12 client proxy calling `authorities` split apexes, each split over
 * `backendsPerSplit` backend Services. The default shape (7 authorities, 2 backends) is about
 * 360 KiB, what a busy client proxy of a real mesh serves.
 */
export function linkerdSplitPage({ authorities, backendsPerSplit = 2, clusterDomain = 'cluster.local' }: SplitPageOptions): SplitPage {
  const next = random(7);
  const page = new PageBuilder();
  const splits: PageSplit[] = [];
  const statuses = [
    { code: '200', classification: 'success', share: 0.985 },
    { code: '503', classification: 'failure', share: 0.015 },
  ];
  let samples = 0;
  let readSeries = 0;
  let splitSeries = 0;
  const lines = {
    request_total: [] as (() => void)[],
    response_total: [] as (() => void)[],
    response_latency_ms: [] as (() => void)[],
    tcp_open_total: [] as (() => void)[],
    tcp_read_bytes_total: [] as (() => void)[],
    tcp_write_bytes_total: [] as (() => void)[],
    tcp_open_connections: [] as (() => void)[],
  };
  // A sample line: written later, family by family, as the proxy writes them.
  const sample = (family: keyof typeof lines, text: string, value: () => number, read = false, split = false): void => {
    lines[family].push(() => {
      page.text(text + ' ');
      value();
      page.text('\n');
    });
    samples++;
    if (read) readSeries++;
    if (split) splitSeries++;
  };

  const addHttp = (labels: string, perSecond: number, medianMs: number, split: boolean): void => {
    // The counters are created when their lines are written; the derived lines refer to them.
    const counts: number[] = [];
    const total = statuses.reduce((sum, status) => sum + status.share, 0);
    let requestStart = 0;
    const starts = statuses.map(() => Math.floor(next() * 1e6));
    for (const start of starts) requestStart += start;
    sample('request_total', `request_total{${labels}}`, () => page.counter(requestStart, perSecond * total));
    statuses.forEach((status, s) => {
      sample(
        'response_total',
        `response_total{${labels},status_code="${status.code}",classification="${status.classification}"}`,
        () => (counts[s] = page.counter(starts[s] ?? 0, perSecond * status.share)),
        true,
        split,
      );
    });
    statuses.forEach((status, s) => {
      const fractions = latencyFractions(status.classification === 'failure' ? medianMs / 4 : medianMs);
      LINKERD_BUCKETS.forEach((le, i) => {
        sample(
          'response_latency_ms',
          `response_latency_ms_bucket{${labels},status_code="${status.code}",le="${le}"}`,
          () => page.derived(counts[s] ?? 0, fractions[i] ?? 1),
          true,
          split,
        );
      });
      sample('response_latency_ms', `response_latency_ms_count{${labels},status_code="${status.code}"}`, () => page.derived(counts[s] ?? 0, 1));
      // The sum grows with the count: its mean stays near the median of the histogram.
      sample('response_latency_ms', `response_latency_ms_sum{${labels},status_code="${status.code}"}`, () => page.derived(counts[s] ?? 0, medianMs * 1.3), true, split);
    });
  };

  addHttp(INBOUND, 40, 12, false);
  for (let i = 0; i < authorities; i++) {
    const namespace = `bench-${i % 3}`;
    const apex = `web-${i}`;
    const backends = Array.from({ length: backendsPerSplit }, (_, b) => ({
      service: b === 0 ? `${apex}-stable` : `${apex}-canary${b === 1 ? '' : `-${b}`}`,
      weight: b === 0 ? 100 - 10 * (backendsPerSplit - 1) : 10,
    }));
    splits.push({ namespace, apex, backends });
    const authority = `${apex}.${namespace}.svc.${clusterDomain}:8080`;
    backends.forEach(({ service, weight }, b) => {
      const hash = (0x5f3a9c4d + i * 7919 + b * 104729).toString(16).slice(0, 9);
      const pod = `${service}-${hash}-${((i * 31 + b) * 2654435761 >>> 0).toString(36).slice(0, 5)}`;
      const serverId = `${apex}.${namespace}.serviceaccount.identity.linkerd.${clusterDomain}`;
      const dst =
        `dst_control_plane_ns="linkerd",dst_deployment="${service}",dst_namespace="${namespace}",` +
        `dst_pod="${pod}",dst_pod_template_hash="${hash}",dst_service="${service}",dst_serviceaccount="${apex}"`;
      addHttp(`authority="${authority}",direction="outbound",${dst},tls="true",server_id="${serverId}"`, weight * (0.5 + next()), 8 + 40 * next(), true);
      const address = `10.42.${i % 250}.${b + 10}`;
      const tcp = `direction="outbound",peer="dst",target_addr="${address}:8080",target_ip="${address}",target_port="8080",tls="true",server_id="${serverId}",${dst}`;
      sample('tcp_open_total', `tcp_open_total{${tcp}}`, () => page.counter(Math.floor(next() * 1000), 0.05));
      sample('tcp_read_bytes_total', `tcp_read_bytes_total{${tcp}}`, () => page.counter(Math.floor(next() * 1e9), weight * 900));
      sample('tcp_write_bytes_total', `tcp_write_bytes_total{${tcp}}`, () => page.counter(Math.floor(next() * 1e9), weight * 400));
      sample('tcp_open_connections', `tcp_open_connections{${tcp}}`, () => page.constant(1 + Math.floor(next() * 20)));
    });
  }

  const help = FAMILY_HELP;
  // The start time must not change while the fleet runs: a scraper reads a new one as a restart.
  page.text('# HELP process_start_time_seconds Time that the process started (in seconds since the UNIX epoch)\n');
  page.text('# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds ');
  page.constant(1650967123);
  page.text('\n# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n');
  page.text('# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total ');
  page.counter(1200, 0.02);
  page.text('\n');
  samples += 2;
  for (const [family, writers] of Object.entries(lines) as [keyof typeof lines, (() => void)[]][]) {
    const [type, text] = help[family];
    page.text(`# HELP ${family} ${text}\n# TYPE ${family} ${type}\n`);
    for (const write of writers) write();
  }
  return { splits, samples, readSeries, splitSeries, render: page.build() };
}
