// `splitstat serve` configuration: defaults, then a YAML file (--config), then SPLITSTAT_*
// environment variables, then flags — validated in one place, with errors that name the key and
// say what is allowed.
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { DurationError, parseGoDuration } from '../go/index.js';
import { parseQuantity, QuantityError, quantityToNumber } from '../splits/index.js';
import { parseShard, ShardError } from '../collect/index.js';
import type { Shard } from '../collect/index.js';
import { ClusterPatternError, MESH_NAMES, parseClusterPattern } from '../mesh/index.js';
import type { ClusterPattern, MeshName } from '../mesh/index.js';
import { PROMETHEUS_SCHEMA_NAMES } from '../stats/index.js';
import type { PrometheusSchemaName } from '../stats/index.js';
import { LOG_FORMATS } from './log.js';
import type { LogFormat } from './log.js';

export interface ServeConfig {
  readonly listen: ListenAddress;
  /** `kube` (watch the cluster), or TrafficSplit manifests: a file or a directory (watched). */
  readonly splits: string;
  /** `kube` (discover meshed pods), or a static targets file: the proxies to scrape (scrape source only). */
  readonly targets: string | undefined;
  /** Kubernetes access when splits or targets are `kube`: in-cluster config, else the kubeconfig. */
  readonly kubeconfig: string | undefined;
  readonly context: string | undefined;
  /** Only this namespace (TrafficSplits and pods); undefined: all. */
  readonly namespace: string | undefined;
  /** Only TrafficSplits with these labels (Kubernetes selector syntax). */
  readonly selector: string | undefined;
  /** The proxy's admin port, where meshed pods serve /metrics. */
  readonly adminPort: number;
  /** Series tracked per scraped target (ScrapeEngine maxSeriesPerTarget). */
  readonly maxSeriesPerTarget: number;
  /** Series tracked over all targets together (ScrapeEngine maxSeriesTotal). */
  readonly maxSeriesTotal: number;
  /** Splits plus backends one GraphQL answer may list (AnswerBudget). */
  readonly graphqlMaxItems: number;
  /** How log lines are written: JSON, text, or JSON unless stderr is a terminal (auto). */
  readonly logFormat: LogFormat;
  readonly source: 'scrape' | 'prometheus';
  /** prometheus source: where to query, which series, and how to authenticate. */
  readonly prometheusUrl: string | undefined;
  readonly prometheusSchema: PrometheusSchemaName;
  readonly prometheusToken: string | undefined;
  readonly prometheusHeaders: Readonly<Record<string, string>>;
  readonly mesh: MeshName;
  /** How another Envoy-based mesh names the cluster of a Service (the envoy mesh and schema need it; auto tries it last). */
  readonly envoyClusterPattern: ClusterPattern | undefined;
  readonly clusterDomain: string;
  readonly scrapeIntervalMs: number;
  readonly scrapeTimeoutMs: number;
  /** The longest stat window served; history kept for it. */
  readonly maxWindowMs: number;
  /** The most bytes of history kept (TrafficWindow maxHistoryBytes); past it the oldest goes first. */
  readonly maxHistoryBytes: number;
  readonly auth: 'none' | 'token' | 'kubernetes';
  /** Bearer tokens and their namespaces, for auth=token (and metricsAuth=token). */
  readonly authTokensFile: string | undefined;
  /** Whether /metrics asks for a bearer token: auto (when auth is on), token (always), none. */
  readonly metricsAuth: 'auto' | 'none' | 'token';
  /** Scrape only this shard of the targets (`i/N`); undefined: all of them. */
  readonly shard: Shard | undefined;
  /** Host names served besides IP literals, localhost, dotless and cluster-local names; `*`: any. */
  readonly allowedHosts: readonly string[];
  /** Serve HTTPS with this certificate and key (PEM files, read again when they change). */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | undefined;
}

export interface ListenAddress {
  /** undefined: every interface. */
  readonly host: string | undefined;
  readonly port: number;
}

/** Every setting: its flag, environment variable and config-file key. */
export const SETTINGS = {
  listen: { env: 'SPLITSTAT_LISTEN', default: ':8080', help: 'address to serve on: [host]:port' },
  splits: {
    env: 'SPLITSTAT_SPLITS',
    default: undefined,
    required: true,
    help: 'splits (TrafficSplits, weighted HTTPRoutes): "kube" (watch the cluster) or a YAML/JSON manifest file or directory (watched)',
  },
  targets: { env: 'SPLITSTAT_TARGETS', default: undefined, help: 'proxies to scrape: "kube" (discover meshed pods) or a static targets file' },
  kubeconfig: { env: 'SPLITSTAT_KUBECONFIG', default: undefined, help: 'kubeconfig file, when not running in a cluster (else $KUBECONFIG, ~/.kube/config)' },
  context: { env: 'SPLITSTAT_CONTEXT', default: undefined, help: 'kubeconfig context' },
  namespace: { env: 'SPLITSTAT_NAMESPACE', default: undefined, help: 'watch only this namespace (default: all)' },
  selector: { env: 'SPLITSTAT_SELECTOR', default: undefined, help: 'watch only TrafficSplits with these labels (e.g. team=payments)' },
  adminPort: { env: 'SPLITSTAT_ADMIN_PORT', default: '4191', help: 'Linkerd proxy admin port serving /metrics (with --targets kube; Istio and OSM sidecars are scraped where their injector announces)' },
  source: { env: 'SPLITSTAT_SOURCE', default: 'scrape', help: 'where numbers come from: scrape (the proxies) or prometheus (--prometheus-url)' },
  prometheusUrl: { env: 'SPLITSTAT_PROMETHEUS_URL', default: undefined, help: 'Prometheus (or Thanos, Mimir, …) HTTP API base URL, with --source prometheus' },
  prometheusSchema: { env: 'SPLITSTAT_PROMETHEUS_SCHEMA', default: 'linkerd', help: "which series to query: linkerd (Linkerd proxies' raw metrics), istio (Istio sidecars' raw metrics), osm (OSM sidecars' Envoy metrics) or splitstat (sharded collectors' exports)" },
  prometheusToken: { env: 'SPLITSTAT_PROMETHEUS_TOKEN', default: undefined, help: 'bearer token for Prometheus' },
  prometheusHeaders: { env: 'SPLITSTAT_PROMETHEUS_HEADERS', default: undefined, help: 'extra headers for Prometheus, "Name: value" separated by ";" (e.g. X-Scope-OrgID: tenant)' },
  mesh: { env: 'SPLITSTAT_MESH', default: 'auto', help: `which mesh the scraped proxies belong to: ${MESH_NAMES.join(', ')} (auto: each target as its page shows)` },
  envoyClusterPattern: {
    env: 'SPLITSTAT_ENVOY_CLUSTER_PATTERN',
    default: undefined,
    help: 'other Envoy-based meshes: a regular expression over envoy_cluster_name with named groups (?<service>…) and optionally (?<namespace>…), for --mesh envoy and --prometheus-schema envoy (auto tries it after OSM and Consul)',
  },
  clusterDomain: { env: 'SPLITSTAT_CLUSTER_DOMAIN', default: 'cluster.local', help: 'cluster domain in proxy authorities' },
  scrapeInterval: { env: 'SPLITSTAT_SCRAPE_INTERVAL', default: '10s', help: 'how often to scrape every target' },
  scrapeTimeout: { env: 'SPLITSTAT_SCRAPE_TIMEOUT', default: '5s', help: 'per-target scrape timeout (at most the interval)' },
  maxWindow: { env: 'SPLITSTAT_MAX_WINDOW', default: '1h', help: 'longest stat window served (history kept)' },
  maxHistoryMemory: {
    env: 'SPLITSTAT_MAX_HISTORY_MEMORY',
    default: '512Mi',
    help: 'memory for the history of traffic, as a Kubernetes quantity (512Mi, 1Gi); past it the oldest intervals are dropped, the window covers less, and splitstat_history_dropped_intervals_total counts them',
  },
  maxSeriesPerTarget: {
    env: 'SPLITSTAT_MAX_SERIES_PER_TARGET',
    default: '50000',
    help: 'series tracked per scraped proxy; new ones beyond it are counted in splitstat_dropped_series_total (label churn)',
  },
  maxSeriesTotal: {
    env: 'SPLITSTAT_MAX_SERIES_TOTAL',
    default: '2000000',
    help: 'series tracked over all proxies together; new ones beyond it are counted in splitstat_dropped_series_total',
  },
  graphqlMaxItems: {
    env: 'SPLITSTAT_GRAPHQL_MAX_ITEMS',
    default: '100000',
    help: 'splits plus backends one GraphQL answer may list; larger answers are refused (ANSWER_TOO_LARGE) and counted in splitstat_graphql_refusals_total',
  },
  logFormat: { env: 'SPLITSTAT_LOG_FORMAT', default: 'auto', help: 'log lines as json, text, or auto (json unless stderr is a terminal); one line per event' },
  auth: { env: 'SPLITSTAT_AUTH', default: 'none', help: 'access control: none, token (static tokens) or kubernetes (TokenReview + RBAC)' },
  authTokensFile: { env: 'SPLITSTAT_AUTH_TOKENS_FILE', default: undefined, help: 'YAML file of bearer tokens and their namespaces (auth=token)' },
  metricsAuth: {
    env: 'SPLITSTAT_METRICS_AUTH',
    default: 'auto',
    help: 'protect /metrics: auto (a bearer token that may see every namespace whenever --auth is token or kubernetes), token (always), or none (open to anyone; warned about with --auth)',
  },
  allowedHosts: {
    env: 'SPLITSTAT_ALLOWED_HOSTS',
    default: undefined,
    help: 'Host names to serve besides IP addresses, localhost, dotless and cluster-local (*.svc) names, comma-separated (an Ingress name); * serves any (no DNS-rebinding protection)',
  },
  tlsCert: { env: 'SPLITSTAT_TLS_CERT', default: undefined, help: 'serve HTTPS with this PEM certificate (chain), read again when it changes; with --tls-key' },
  tlsKey: { env: 'SPLITSTAT_TLS_KEY', default: undefined, help: 'the PEM private key of --tls-cert, read again when it changes' },
  shard: { env: 'SPLITSTAT_SHARD', default: undefined, help: 'scrape only shard i of N (i/N, from 0) of the targets, by a hash of namespace/pod; Prometheus sums the shards (default: all targets)' },
} as const satisfies Record<string, { env: string; default: string | undefined; help: string; required?: true }>;

export type SettingKey = keyof typeof SETTINGS;
export type RawSettings = Partial<Record<SettingKey, string>>;

/** Variables read by other commands, so a shell that sets them can still run `serve`. */
const OTHER_COMMANDS_ENV = new Set(['SPLITSTAT_SERVER', 'SPLITSTAT_CONFIG']);
/** A floor against a number meant as MiB read as bytes: a few intervals of a small mesh. */
const MIN_HISTORY_BYTES = 64 * 1024;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const duration = (key: string, minMs: number) =>
  z.string().transform((text, ctx) => {
    try {
      const ms = parseGoDuration(text);
      if (ms < minMs) ctx.addIssue({ code: 'custom', message: `${key}: must be at least ${minMs / 1000}s, got ${JSON.stringify(text)}` });
      return ms;
    } catch (error) {
      const reason = error instanceof DurationError ? error.message : String(error);
      ctx.addIssue({ code: 'custom', message: `${key}: ${reason} (Go duration syntax: 10s, 1m, 1h30m)` });
      return z.NEVER;
    }
  });

const oneOf = <T extends string>(key: string, allowed: readonly [T, ...T[]], later: Record<string, string> = {}) =>
  z.string().transform((value, ctx): T => {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    const note = later[value] === undefined ? '' : ` (${later[value]})`;
    ctx.addIssue({ code: 'custom', message: `${key}: ${JSON.stringify(value)} is not supported${note}; allowed: ${allowed.join(', ')}` });
    return z.NEVER;
  });

const required = (key: string, what: string) =>
  z.string({ error: `${key}: required: ${what}` }).min(1, { error: `${key}: must not be empty` });

const schema = z.object({
  listen: z.string().transform((text, ctx) => {
    const address = parseListen(text);
    if (address === undefined) {
      ctx.addIssue({ code: 'custom', message: `listen: ${JSON.stringify(text)} is not [host]:port (e.g. :8080, 127.0.0.1:8080, [::1]:8080)` });
      return z.NEVER;
    }
    return address;
  }),
  splits: required('splits', '"kube" or a TrafficSplit manifest file or directory (--splits)'),
  targets: z.string().min(1, { error: 'targets: must not be empty' }).optional(),
  kubeconfig: z.string().optional(),
  context: z.string().optional(),
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: 'namespace: must be a Kubernetes namespace name' }).optional(),
  selector: z.string().optional(),
  maxSeriesPerTarget: z
    .string()
    .regex(/^\d{1,9}$/, { error: 'maxSeriesPerTarget: must be a whole number' })
    .transform(Number)
    .refine((count) => count >= 100, { error: 'maxSeriesPerTarget: must be at least 100 (a proxy page has that many series)' }),
  maxSeriesTotal: z
    .string()
    .regex(/^\d{1,10}$/, { error: 'maxSeriesTotal: must be a whole number' })
    .transform(Number)
    .refine((count) => count >= 100, { error: 'maxSeriesTotal: must be at least 100' }),
  graphqlMaxItems: z
    .string()
    .regex(/^\d{1,9}$/, { error: 'graphqlMaxItems: must be a whole number' })
    .transform(Number)
    .refine((count) => count >= 1, { error: 'graphqlMaxItems: must be at least 1' }),
  adminPort: z.string().regex(/^\d{1,5}$/, { error: 'adminPort: must be a port number' }).transform(Number).refine((port) => port > 0 && port <= 65535, { error: 'adminPort: must be 1 to 65535' }),
  logFormat: oneOf('logFormat', LOG_FORMATS),
  source: oneOf('source', ['scrape', 'prometheus']),
  prometheusUrl: z.url({ error: 'prometheusUrl: must be an http(s) URL' }).optional(),
  prometheusSchema: oneOf('prometheusSchema', PROMETHEUS_SCHEMA_NAMES),
  prometheusToken: z.string().optional(),
  prometheusHeaders: z
    .string()
    .transform((text, ctx) => {
      const headers: Record<string, string> = {};
      for (const entry of text.split(';').map((part) => part.trim()).filter((part) => part !== '')) {
        const colon = entry.indexOf(':');
        const name = entry.slice(0, colon).trim();
        if (colon <= 0 || !/^[A-Za-z0-9-]+$/.test(name)) {
          ctx.addIssue({ code: 'custom', message: `prometheusHeaders: ${JSON.stringify(entry)} is not "Name: value"` });
          return z.NEVER;
        }
        headers[name] = entry.slice(colon + 1).trim();
      }
      return headers;
    })
    .optional(),
  mesh: oneOf('mesh', MESH_NAMES),
  envoyClusterPattern: z
    .string()
    .transform((text, ctx) => {
      try {
        return parseClusterPattern(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `envoyClusterPattern: ${error instanceof ClusterPatternError ? error.message : String(error)}` });
        return z.NEVER;
      }
    })
    .optional(),
  clusterDomain: z.string().regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, { error: 'clusterDomain: must be a DNS name such as cluster.local' }),
  scrapeInterval: duration('scrapeInterval', 100),
  scrapeTimeout: duration('scrapeTimeout', 100),
  maxWindow: duration('maxWindow', 15_000),
  maxHistoryMemory: z
    .string()
    .transform((text, ctx) => {
      try {
        return Math.floor(quantityToNumber(parseQuantity(text)));
      } catch (error) {
        if (!(error instanceof QuantityError)) throw error;
        ctx.addIssue({ code: 'custom', message: `maxHistoryMemory: ${JSON.stringify(text)} is not a memory quantity (512Mi, 1Gi, 800M)` });
        return z.NEVER;
      }
    })
    .refine((bytes) => bytes >= MIN_HISTORY_BYTES, { error: 'maxHistoryMemory: must be at least 64Ki' }),
  auth: oneOf('auth', ['none', 'token', 'kubernetes']),
  authTokensFile: z.string().optional(),
  metricsAuth: oneOf('metricsAuth', ['auto', 'none', 'token']),
  allowedHosts: z
    .string()
    .transform((text, ctx) => {
      const names = text.split(',').map((name) => name.trim().toLowerCase()).filter((name) => name !== '');
      const bad = names.find((name) => name !== '*' && !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(name));
      if (bad !== undefined) {
        ctx.addIssue({ code: 'custom', message: `allowedHosts: ${JSON.stringify(bad)} is not a host name (e.g. splitstat.example.com), or * for any` });
        return z.NEVER;
      }
      return names;
    })
    .optional(),
  tlsCert: z.string().min(1, { error: 'tlsCert: must not be empty' }).optional(),
  tlsKey: z.string().min(1, { error: 'tlsKey: must not be empty' }).optional(),
  shard: z
    .string()
    .transform((text, ctx) => {
      try {
        return parseShard(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `shard: ${error instanceof ShardError ? error.message : String(error)}` });
        return z.NEVER;
      }
    })
    .optional(),
});

/**
 * Merges the layers (later wins) and validates. Throws ConfigError listing every problem.
 */
export function resolveServeConfig(layers: { file?: Record<string, unknown>; fileName?: string; env?: NodeJS.ProcessEnv; flags?: RawSettings }): ServeConfig {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  for (const [key, setting] of Object.entries(SETTINGS)) if (setting.default !== undefined) raw[key] = setting.default;

  for (const [key, value] of Object.entries(layers.file ?? {})) {
    if (!(key in SETTINGS)) {
      problems.push(`${layers.fileName ?? 'config'}: unknown key ${JSON.stringify(key)}; known keys: ${Object.keys(SETTINGS).join(', ')}`);
    } else if (typeof value === 'string' || typeof value === 'number') {
      raw[key] = String(value);
    } else {
      problems.push(`${layers.fileName ?? 'config'}: ${key}: must be a string`);
    }
  }

  const envNames = new Map<string, string>(Object.entries(SETTINGS).map(([key, setting]) => [setting.env, key]));
  for (const [name, value] of Object.entries(layers.env ?? {})) {
    if (!name.startsWith('SPLITSTAT_') || value === undefined || OTHER_COMMANDS_ENV.has(name)) continue;
    const key = envNames.get(name);
    if (key === undefined) problems.push(`${name}: unknown environment variable; known: ${[...envNames.keys()].join(', ')}`);
    else raw[key] = value;
  }

  for (const [key, value] of Object.entries(layers.flags ?? {})) if (value !== undefined) raw[key] = value;

  // The default timeout follows a shorter interval (`--scrape-interval 2s` alone must work); a
  // timeout given on purpose is checked against it.
  const timeoutGiven =
    layers.file?.['scrapeTimeout'] !== undefined || layers.env?.[SETTINGS.scrapeTimeout.env] !== undefined || layers.flags?.scrapeTimeout !== undefined;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) for (const issue of parsed.error.issues) problems.push(issue.message);
  if (problems.length > 0 || !parsed.success) throw new ConfigError(problems.join('\n'));
  const config = timeoutGiven ? parsed.data : { ...parsed.data, scrapeTimeout: Math.min(parsed.data.scrapeTimeout, parsed.data.scrapeInterval) };
  if (config.scrapeTimeout > config.scrapeInterval) {
    throw new ConfigError('scrapeTimeout: must not be longer than scrapeInterval, or cycles would pile up');
  }
  if (config.source === 'scrape' && config.targets === undefined) {
    throw new ConfigError('targets: required: "kube" or a static targets file (--targets)');
  }
  if (config.source === 'prometheus' && config.prometheusUrl === undefined) {
    throw new ConfigError('prometheusUrl: required with source=prometheus');
  }
  if ((config.mesh === 'envoy' || config.prometheusSchema === 'envoy') && config.envoyClusterPattern === undefined) {
    throw new ConfigError('envoyClusterPattern: required with mesh=envoy or prometheusSchema=envoy: how the mesh names the Envoy cluster of a Service (--envoy-cluster-pattern)');
  }
  if (config.mesh === 'envoy' && config.targets === 'kube') {
    throw new ConfigError('mesh: envoy has no sidecar pod discovery knows; give its proxies in a static targets file (--targets FILE), or use --mesh auto to discover the meshes splitstat knows');
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new ConfigError('tlsCert and tlsKey: give both (--tls-cert and --tls-key) to serve HTTPS, or neither');
  }
  if (config.auth === 'token' && config.authTokensFile === undefined) {
    throw new ConfigError('authTokensFile: required with auth=token');
  }
  return {
    listen: config.listen,
    splits: config.splits,
    targets: config.targets,
    kubeconfig: config.kubeconfig,
    context: config.context,
    namespace: config.namespace,
    selector: config.selector,
    adminPort: config.adminPort,
    source: config.source,
    prometheusUrl: config.prometheusUrl,
    prometheusSchema: config.prometheusSchema,
    prometheusToken: config.prometheusToken,
    prometheusHeaders: config.prometheusHeaders ?? {},
    mesh: config.mesh,
    envoyClusterPattern: config.envoyClusterPattern,
    clusterDomain: config.clusterDomain,
    scrapeIntervalMs: config.scrapeInterval,
    scrapeTimeoutMs: config.scrapeTimeout,
    maxWindowMs: config.maxWindow,
    maxHistoryBytes: config.maxHistoryMemory,
    maxSeriesPerTarget: config.maxSeriesPerTarget,
    maxSeriesTotal: config.maxSeriesTotal,
    graphqlMaxItems: config.graphqlMaxItems,
    logFormat: config.logFormat,
    auth: config.auth,
    authTokensFile: config.authTokensFile,
    metricsAuth: config.metricsAuth,
    shard: config.shard,
    allowedHosts: config.allowedHosts ?? [],
    tls: config.tlsCert === undefined || config.tlsKey === undefined ? undefined : { certFile: config.tlsCert, keyFile: config.tlsKey },
  };
}

/** Reads a YAML config file into a plain mapping. */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new ConfigError(`cannot read config file ${path}: ${reason}`, { cause: error });
  }
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid YAML: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  if (value === null || value === undefined) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new ConfigError(`${path}: must be a mapping of settings`);
  return value as Record<string, unknown>;
}

/** `:8080`, `8080`, `127.0.0.1:8080`, `[::1]:8080`, `localhost:0`. */
export function parseListen(text: string): ListenAddress | undefined {
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:[\]]*):)?(\d{1,5})$/.exec(text);
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (port > 65535) return undefined;
  const rawHost = match[1];
  const host = rawHost === undefined || rawHost === '' ? undefined : rawHost.replace(/^\[(.*)\]$/, '$1');
  return { host, port };
}
