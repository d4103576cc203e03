// `stat ts --prometheus URL`: the numbers straight from a Prometheus (linkerd-viz's, or any
// Prometheus, Thanos, Mimir, VictoriaMetrics) with no splitstat server, as Linkerd viz itself
// did. The flags, output and errors are the same as with --server (args.ts, table.ts), so only
// where the numbers come from differs.
import { contextNamespace } from '../../kube/index.js';
import type { TrafficSplit } from '../../splits/index.js';
import { flattenRows } from '../../stats/index.js';
import type { CliIo } from '../io.js';
import { errorLine } from './fetch.js';
import { loadSplits } from './load-splits.js';
import { PrometheusFlagError, prometheusSourceFromFlags, strayPrometheusFlag } from './prometheus-flags.js';
import type { PrometheusStatFlags } from './prometheus-flags.js';
import { renderStat } from './render.js';
import type { RenderedOutput } from './table.js';
import { readStatRequest } from './request.js';
import { printStat } from './watch.js';

/** `--manifests` and the `--prometheus-*` flags mean nothing without --prometheus: say so rather than ignore them. */
export async function runWithoutPrometheus(flags: PrometheusStatFlags, io: CliIo, run: () => Promise<number>): Promise<number> {
  const stray = strayPrometheusFlag(flags);
  if (stray === undefined) return run();
  io.stderr.write(`Error: ${stray} needs --prometheus (without it, numbers come from a splitstat server, which reads the TrafficSplits itself)\n`);
  return 1;
}

export async function runPrometheusStat(resources: readonly string[], flags: PrometheusStatFlags, io: CliIo): Promise<number> {
  const read = readStatRequest(resources, flags, io, () => {
    if (flags.server !== undefined) throw new PrometheusFlagError('--server and --prometheus flags are mutually exclusive');
    const defaultNamespace =
      flags.namespace === undefined || flags.allNamespaces === true ? contextNamespace({ file: flags.kubeconfig, context: flags.context, env: io.env }) : 'default';
    return { defaultNamespace, prepared: prometheusSourceFromFlags(flags) };
  });
  if (typeof read === 'number') return read;
  const { request, prepared: source } = read;
  let splits: TrafficSplit[];
  try {
    const warn = (line: string): void => void io.stderr.write(`Warning: ${line.replace(/\s*\n\s*/g, ' ')}\n`);
    splits = await loadSplits({ manifests: flags.manifests, kubeconfig: flags.kubeconfig, context: flags.context, env: io.env }, request, warn);
  } catch (error) {
    io.stderr.write(errorLine(error));
    return 1;
  }
  const frame = async (signal: AbortSignal | undefined): Promise<RenderedOutput> => {
    const stats = await source.stats({ splits, window: request.window, from: request.from ?? undefined, to: request.to ?? undefined, signal });
    return renderStat(flattenRows(stats), request.kind, { output: request.output, allNamespaces: request.namespace === null });
  };
  return printStat(io, request.watchIntervalMs, frame);
}
