// The one way both `stat ts` paths (GraphQL and --prometheus) turn the command line into a request:
// what must be read first (the kubeconfig's namespace, a token, a Prometheus client) may fail
// with one line, then the arguments are checked; either failure prints `Error: …` and exits 1.
import type { CliIo } from '../io.js';
import { parseStatArgs } from './args.js';
import type { StatFlags, StatRequest } from './args.js';
import { errorLine } from './fetch.js';

export interface Prepared<T> {
  /** The namespace to use when none is given. */
  readonly defaultNamespace: string;
  /** What the path read for itself (a token, a stat source). */
  readonly prepared: T;
}

/** The request and what `prepare` read, or the exit code after printing why there is none. */
export function readStatRequest<T>(
  resources: readonly string[],
  flags: StatFlags,
  io: CliIo,
  prepare: () => Prepared<T>,
): { readonly request: StatRequest; readonly prepared: T } | number {
  let defaultNamespace: string;
  let prepared: T;
  try {
    ({ defaultNamespace, prepared } = prepare());
  } catch (error) {
    io.stderr.write(errorLine(error));
    return 1;
  }
  const parsed = parseStatArgs(resources, flags, { env: io.env, defaultNamespace });
  if (!parsed.ok) {
    io.stderr.write(`Error: ${parsed.error}\n`);
    return 1;
  }
  return { request: parsed.request, prepared };
}
