// The flags only `stat ts --prometheus` reads: checked together, turned into the PrometheusStatSource
// that answers, and refused with a clear error when given without --prometheus.
import { DurationError, parseGoDuration } from '../../go/index.js';
import { DEFAULT_PROMETHEUS_TIMEOUT_MS, PrometheusClient } from '../../promql/index.js';
import { ClusterPatternError, parseClusterPattern } from '../../mesh/index.js';
import type { ClusterPattern } from '../../mesh/index.js';
import { PROMETHEUS_SCHEMA_NAMES, PrometheusStatSource } from '../../stats/index.js';
import type { PrometheusSchemaName } from '../../stats/index.js';
import type { StatFlags } from './args.js';

/** The flags as commander collects them. */
export interface PrometheusStatFlags extends StatFlags {
  readonly prometheus?: string | undefined;
  readonly prometheusSchema?: string | undefined;
  /** `--prometheus-header 'Name: value'`, repeatable. */
  readonly prometheusHeader?: readonly string[] | undefined;
  readonly prometheusToken?: string | undefined;
  readonly prometheusTimeout?: string | undefined;
  readonly envoyClusterPattern?: string | undefined;
  readonly manifests?: string | undefined;
}

export class PrometheusFlagError extends Error {}

/** Collects a repeatable flag's values (commander's custom-processing hook). */
export function collectValues(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The first flag that means nothing without --prometheus, if any was given. */
export function strayPrometheusFlag(flags: PrometheusStatFlags): string | undefined {
  const stray = (
    [
      ['manifests', '--manifests'],
      ['prometheusSchema', '--prometheus-schema'],
      ['prometheusHeader', '--prometheus-header'],
      ['prometheusToken', '--prometheus-token'],
      ['prometheusTimeout', '--prometheus-timeout'],
      ['envoyClusterPattern', '--envoy-cluster-pattern'],
    ] as const
  ).find(([key]) => flags[key] !== undefined);
  return stray?.[1];
}

/** The stat source the flags describe; throws PrometheusFlagError for a flag that cannot be used. */
export function prometheusSourceFromFlags(flags: PrometheusStatFlags): PrometheusStatSource {
  const schema = parseSchema(flags.prometheusSchema);
  return new PrometheusStatSource({
    client: new PrometheusClient({
      url: flags.prometheus ?? '',
      bearerToken: flags.prometheusToken,
      headers: parseHeaders(flags.prometheusHeader ?? []),
      timeoutMs: parseTimeout(flags.prometheusTimeout),
    }),
    schema,
    envoyClusterPattern: parsePattern(schema, flags.envoyClusterPattern),
  });
}

/** `--envoy-cluster-pattern`: what the envoy schema needs, and only it. */
function parsePattern(schema: PrometheusSchemaName, text: string | undefined): ClusterPattern | undefined {
  if (schema !== 'envoy') {
    if (text !== undefined) throw new PrometheusFlagError('--envoy-cluster-pattern is read only with --prometheus-schema envoy');
    return undefined;
  }
  if (text === undefined) throw new PrometheusFlagError('--prometheus-schema envoy needs --envoy-cluster-pattern: how the mesh names the Envoy cluster of a Service, e.g. \'(?<namespace>[^/]+)/(?<service>[^_]+)_[0-9]+\'');
  try {
    return parseClusterPattern(text);
  } catch (error) {
    if (error instanceof ClusterPatternError) throw new PrometheusFlagError(error.message);
    throw error;
  }
}

/** What each --prometheus-schema reads. */
export const SCHEMA_HELP =
  "linkerd (Linkerd proxies' series, as Linkerd viz), istio (Istio sidecars' series), osm (OSM sidecars' Envoy series), consul (Consul sidecars' Envoy series), envoy (another Envoy-based mesh's, by --envoy-cluster-pattern) or splitstat (splitstat's exported series)";

function parseSchema(text: string | undefined): PrometheusSchemaName {
  if (text === undefined) return 'linkerd';
  const known = PROMETHEUS_SCHEMA_NAMES.find((name) => name === text);
  if (known !== undefined) return known;
  throw new PrometheusFlagError(`--prometheus-schema must be ${SCHEMA_HELP}, got ${JSON.stringify(text)}`);
}

function parseTimeout(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PROMETHEUS_TIMEOUT_MS;
  let ms: number;
  try {
    ms = parseGoDuration(text);
  } catch (error) {
    if (error instanceof DurationError) throw new PrometheusFlagError(`--prometheus-timeout: ${error.message} (use Go duration syntax: 5s, 30s)`);
    throw error;
  }
  if (ms <= 0) throw new PrometheusFlagError(`--prometheus-timeout must be a positive duration such as 10s, got ${JSON.stringify(text)}`);
  return ms;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `Name: value` pairs, as curl's -H takes them; a later header of the same name wins. */
export function parseHeaders(lines: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trim();
    if (!HEADER_NAME.test(name)) throw new PrometheusFlagError(`--prometheus-header: ${JSON.stringify(line)} is not "Name: value" (e.g. "X-Scope-OrgID: tenant-1")`);
    headers[name] = line.slice(colon + 1).trim();
  }
  return headers;
}
