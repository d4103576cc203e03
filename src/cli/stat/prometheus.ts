// `stat ts --prometheus URL`: the numbers straight from a Prometheus (linkerd-viz's, or any
// Prometheus, Thanos, Mimir, VictoriaMetrics) with no splitstat server, as Linkerd viz itself
// did. TrafficSplits come from --manifests, else from the kubeconfig's cluster; the flags, output and errors are the same as with
// --server (stat-args.ts, stat-table.ts), so only where the numbers come from differs.
import { selectSplits } from '../../api/index.js';
import { LabelSelectorError, parseLabelSelector } from '../../splits/index.js';
import { DEFAULT_PROMETHEUS_TIMEOUT_MS, PrometheusClient } from '../../promql/index.js';
import { ManifestSplitSource } from '../../splits/index.js';
import type { TrafficSplit } from '../../splits/index.js';
import { SplitStore } from '../../splits/index.js';
import { PrometheusStatSource } from '../../stats/index.js';
import type { PrometheusSchemaName } from '../../stats/index.js';
import { flattenRows } from '../../stats/index.js';
import { DurationError, parseGoDuration } from '../../go/index.js';
import { contextNamespace } from '../../kube/index.js';
import { parseStatArgs } from './args.js';
import { listClusterSplits } from './prometheus-kube.js';
import type { StatFlags, StatRequest } from './args.js';
import { errorLine } from './fetch.js';
import type { CliIo } from '../io.js';
import { renderStatTs } from './table.js';
import type { RenderedOutput } from './table.js';
import { watchStat } from './watch.js';

/** The flags only `--prometheus` reads, as commander collects them. */
export interface PrometheusStatFlags extends StatFlags {
  readonly prometheus?: string | undefined;
  readonly prometheusSchema?: string | undefined;
  /** `--prometheus-header 'Name: value'`, repeatable. */
  readonly prometheusHeader?: readonly string[] | undefined;
  readonly prometheusToken?: string | undefined;
  readonly prometheusTimeout?: string | undefined;
  readonly manifests?: string | undefined;
}

class PrometheusFlagError extends Error {}

/** Collects a repeatable flag's values (commander's custom-processing hook). */
export function collectValues(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `--manifests` and the `--prometheus-*` flags mean nothing without --prometheus: say so rather than ignore them. */
export async function runWithoutPrometheus(flags: PrometheusStatFlags, io: CliIo, run: () => Promise<number>): Promise<number> {
  const stray = (
    [
      ['manifests', '--manifests'],
      ['prometheusSchema', '--prometheus-schema'],
      ['prometheusHeader', '--prometheus-header'],
      ['prometheusToken', '--prometheus-token'],
      ['prometheusTimeout', '--prometheus-timeout'],
    ] as const
  ).find(([key]) => flags[key] !== undefined);
  if (stray === undefined) return run();
  io.stderr.write(`Error: ${stray[1]} needs --prometheus (without it, numbers come from a splitstat server, which reads the TrafficSplits itself)\n`);
  return 1;
}

export async function runPrometheusStat(resources: readonly string[], flags: PrometheusStatFlags, io: CliIo): Promise<number> {
  let namespace = 'default';
  let source: PrometheusStatSource;
  try {
    if (flags.server !== undefined) throw new PrometheusFlagError('--server and --prometheus flags are mutually exclusive');
    if (flags.namespace === undefined || flags.allNamespaces === true) {
      namespace = contextNamespace({ file: flags.kubeconfig, context: flags.context, env: io.env });
    }
    source = new PrometheusStatSource({
      client: new PrometheusClient({
        url: flags.prometheus ?? '',
        bearerToken: flags.prometheusToken,
        headers: parseHeaders(flags.prometheusHeader ?? []),
        timeoutMs: parseTimeout(flags.prometheusTimeout),
      }),
      schema: parseSchema(flags.prometheusSchema),
    });
  } catch (error) {
    io.stderr.write(errorLine(error));
    return 1;
  }
  const parsed = parseStatArgs(resources, flags, { env: io.env, defaultNamespace: namespace });
  if (!parsed.ok) {
    io.stderr.write(`Error: ${parsed.error}\n`);
    return 1;
  }
  const { request } = parsed;
  let splits: TrafficSplit[];
  try {
    splits = await loadSplits(flags, request, io);
  } catch (error) {
    io.stderr.write(errorLine(error));
    return 1;
  }
  const frame = async (signal: AbortSignal | undefined): Promise<RenderedOutput> => {
    const stats = await source.stats({
      splits,
      windowMs: request.window.ms,
      windowText: request.window.text,
      from: request.from ?? undefined,
      to: request.to ?? undefined,
      signal,
    });
    return renderStatTs(flattenRows(stats), { output: request.output, allNamespaces: request.namespace === null });
  };
  if (request.watchIntervalMs !== null) return watchStat({ io, intervalMs: request.watchIntervalMs, frame });
  try {
    const output = await frame(io.signal);
    io.stdout.write(output.stdout);
    io.stderr.write(output.stderr);
    return 0;
  } catch (error) {
    io.stderr.write(errorLine(error));
    return 1;
  }
}

function parseSchema(text: string | undefined): PrometheusSchemaName {
  if (text === undefined || text === 'linkerd') return 'linkerd';
  if (text === 'splitstat') return 'splitstat';
  throw new PrometheusFlagError(`--prometheus-schema must be linkerd (the proxies' series, as Linkerd viz) or splitstat (splitstat's exported series), got ${JSON.stringify(text)}`);
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

/**
 * The splits the command asks for, read once: from --manifests (the same reader `serve --splits`
 * watches, so directories, multi-document files and conflicts behave the same), else from the
 * kubeconfig's cluster. Files or objects that do not parse are reported on stderr; the others
 * still count.
 */
async function loadSplits(flags: PrometheusStatFlags, request: StatRequest, io: CliIo): Promise<TrafficSplit[]> {
  const store = new SplitStore();
  const warn = (line: string): void => void io.stderr.write(`Warning: ${line.replace(/\s*\n\s*/g, ' ')}\n`);
  if (flags.manifests !== undefined && flags.manifests !== '') {
    const reader = new ManifestSplitSource({ path: flags.manifests, store });
    try {
      await reader.start();
      for (const problem of reader.problems()) warn(`${problem.file}: ${problem.message}`);
    } finally {
      await reader.stop();
    }
  } else {
    const listed = await listClusterSplits({ kubeconfig: flags.kubeconfig, context: flags.context, env: io.env, namespace: request.namespace }, warn);
    for (const split of listed) store.upsert(split);
  }
  let selector;
  try {
    // Linkerd looked named splits up directly, ignoring the selector; so does this.
    selector = request.labelSelector === null || request.names !== null ? undefined : parseLabelSelector(request.labelSelector);
  } catch (error) {
    if (error instanceof LabelSelectorError) throw new PrometheusFlagError(`--selector: ${error.message}`);
    throw error;
  }
  const splits = selectSplits(store, { namespace: request.namespace, names: request.names, selector });
  if (request.names !== null) {
    const found = new Set(splits.map((split) => split.name));
    const missing = request.names.filter((name) => !found.has(name));
    if (missing.length > 0) {
      const quoted = missing.map((name) => JSON.stringify(name)).join(', ');
      throw new PrometheusFlagError(`trafficsplit.split.smi-spec.io ${quoted} not found in namespace ${JSON.stringify(request.namespace)}`);
    }
  }
  return splits;
}
