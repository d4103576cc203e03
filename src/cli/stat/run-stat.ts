// Running `stat ts` / `stat httproute` once its flags are read: from a splitstat server over
// GraphQL, or from a Prometheus (--prometheus).
import { contextNamespace } from '../../kube/index.js';
import type { StatFlags } from './args.js';
import { fetchStatOutput } from './fetch.js';
import { readStatRequest } from './request.js';
import { resolveStatToken } from './token.js';
import { mayCarryKubeconfigToken } from './token-destination.js';
import type { CliIo } from '../io.js';
import { printStat } from './watch.js';
import { runPrometheusStat, runWithoutPrometheus } from './prometheus.js';
import type { PrometheusStatFlags } from './prometheus-flags.js';

export function runStatCommand(resources: readonly string[], flags: PrometheusStatFlags, io: CliIo): Promise<number> {
  return flags.prometheus === undefined ? runWithoutPrometheus(flags, io, () => runStat(resources, flags, io)) : runPrometheusStat(resources, flags, io);
}

export async function runStat(resources: readonly string[], flags: StatFlags, io: CliIo): Promise<number> {
  const kubeconfig = { file: flags.kubeconfig, context: flags.context };
  const read = readStatRequest(resources, flags, io, () => ({
    // Only read when needed: `-n x` must work with a kubeconfig that is broken or absent.
    defaultNamespace: flags.namespace === undefined || flags.allNamespaces === true ? contextNamespace({ ...kubeconfig, env: io.env }) : 'default',
    prepared: resolveStatToken(flags.token, io.env, kubeconfig),
  }));
  if (typeof read === 'number') return read;
  const { request } = read;
  let token = read.prepared;
  // A cluster credential found in the kubeconfig only travels encrypted or stays on this machine;
  // a token given on purpose (--token, $SPLITSTAT_TOKEN) goes wherever it was meant to.
  if (token?.origin.startsWith('kubeconfig') === true && !mayCarryKubeconfigToken(request.endpoint)) token = undefined;
  return printStat(io, request.watchIntervalMs, (signal) => fetchStatOutput(request, { signal, token }));
}

