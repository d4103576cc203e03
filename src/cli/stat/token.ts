// The bearer token `stat ts` sends to a splitstat that checks tokens (--auth token|kubernetes):
// --token, else $SPLITSTAT_TOKEN, else the current kubeconfig user's static token, as kubectl
// would send it (so `kubectl splitstat ts` works as the user with no extra setup). The
// kubeconfig is found as kubectl finds it ($KUBECONFIG, a list, else ~/.kube/config), from the
// command's own environment so tests and plugins see the same thing. Exec plugins and auth
// providers are not run: a user without a static token sends nothing.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import { isRecord } from '../../util/index.js';
import { kubeconfigFiles, loadKubeconfig } from '../../kube/index.js';
import type { KubeconfigSelection } from '../../kube/index.js';

export interface BearerToken {
  readonly value: string;
  /** Where it came from, for messages: "--token", "$SPLITSTAT_TOKEN", 'kubeconfig user "alice"'. */
  readonly origin: string;
}

export class KubeconfigTokenError extends Error {
  override readonly name = 'KubeconfigTokenError';
}

/** The token to send, or undefined to send none. Throws KubeconfigTokenError for a kubeconfig that cannot be read. */
export function resolveStatToken(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  kubeconfig: Omit<KubeconfigSelection, 'env'> = {},
): BearerToken | undefined {
  // As with every other flag, an empty value is an absent one.
  if (flag !== undefined && flag !== '') return { value: flag, origin: '--token' };
  const fromEnv = env['SPLITSTAT_TOKEN'];
  if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, origin: '$SPLITSTAT_TOKEN' };
  return kubeconfigToken({ ...kubeconfig, env });
}

function kubeconfigToken(selection: KubeconfigSelection): BearerToken | undefined {
  let config;
  try {
    config = loadKubeconfig(selection);
  } catch (error) {
    throw new KubeconfigTokenError(`${error instanceof Error ? error.message : String(error)} (give --token or set SPLITSTAT_TOKEN instead)`, { cause: error });
  }
  if (config === undefined) return undefined;
  const context = config.getContextObject(config.getCurrentContext());
  const user = context === null ? null : config.getUser(context.user);
  if (user === null) return undefined;
  const origin = `kubeconfig user ${JSON.stringify(user.name)}`;
  // `token` wins over `tokenFile`, as in kubectl. client-node reads only a non-standard
  // `token-file` key into `token`, so kubectl's `tokenFile` is read here, relative to its file.
  let token = user.token;
  if (token === undefined || token === '') {
    const tokenFile = tokenFileOf(user.name, kubeconfigFiles(selection));
    if (tokenFile !== undefined) {
      try {
        token = readFileSync(tokenFile, 'utf8');
      } catch (error) {
        throw new KubeconfigTokenError(`cannot read the tokenFile ${tokenFile} of ${origin}: ${reason(error)} (give --token or set SPLITSTAT_TOKEN instead)`);
      }
    }
  }
  // A token file usually ends with a newline.
  const value = token?.trim();
  return value === undefined || value === '' ? undefined : { value, origin };
}

/** The first kubeconfig file that gives this user a `tokenFile`, resolved against that file. */
function tokenFileOf(userName: string, files: readonly string[]): string | undefined {
  for (const file of files) {
    let document: unknown;
    try {
      document = parse(readFileSync(file, 'utf8')) as unknown;
    } catch {
      continue; // loadKubeconfig has already reported files that do not load
    }
    const users = isRecord(document) ? document['users'] : undefined;
    for (const entry of Array.isArray(users) ? (users as unknown[]) : []) {
      if (!isRecord(entry) || entry['name'] !== userName || !isRecord(entry['user'])) continue;
      const tokenFile = entry['user']['tokenFile'];
      if (typeof tokenFile === 'string' && tokenFile !== '') return resolve(dirname(file), tokenFile);
    }
  }
  return undefined;
}

function reason(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  const message = error instanceof Error ? error.message : String(error);
  return (message.split('\n')[0] ?? message).trim();
}
