// `stat ts` arguments and flags → what to ask the server and how to print it. Pure, so every
// form, flag and error of SPEC-stat-ts.md §1 is unit-testable. Checks run in Linkerd 2.11's
// order (resources, --to/--from, conflicting flags, output, window, -A with a name, --from
// kind), so a command line with several mistakes reports the one Linkerd reported.
import { DurationError, parseGoDuration } from '../../go/index.js';
import { DEFAULT_STAT_WINDOW, parseStatWindow, StatWindowError } from '../../window/index.js';
import type { StatWindow } from '../../window/index.js';
import { isHttpRouteWord, parseResourceRef } from './resources.js';
import type { ResourceRef } from './resources.js';
import type { StatOutputFormat } from './table.js';

/** The flags as commander collected them: raw strings, absent when not given. */
export interface StatFlags {
  readonly namespace?: string | undefined;
  readonly allNamespaces?: boolean | undefined;
  readonly timeWindow?: string | undefined;
  readonly output?: string | undefined;
  readonly from?: string | undefined;
  readonly fromNamespace?: string | undefined;
  readonly to?: string | undefined;
  readonly toNamespace?: string | undefined;
  readonly selector?: string | undefined;
  readonly server?: string | undefined;
  readonly watch?: boolean | undefined;
  readonly watchInterval?: string | undefined;
  /** Read by token.ts, not here: finding a token may read the kubeconfig. */
  readonly token?: string | undefined;
  /** Which kubeconfig and context give the default namespace and the token. */
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
}

export interface StatEnvironment {
  /** Read for SPLITSTAT_SERVER. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The namespace when -n is not given: the kubeconfig context's (see kubeconfig.ts). */
  readonly defaultNamespace: string;
}

/** Which clients to count, as the API's ClientSelector: every field given must match. */
export interface ClientSelector {
  readonly namespace?: string;
  readonly kind?: string;
  readonly name?: string;
}

/**
 * `--to`: only requests served by this destination count. A TrafficSplit's leaves are the
 * destinations, so the filter is on the leaf service and its namespace; null fields match all.
 */
export interface DestinationFilter {
  readonly namespace: string | null;
  readonly service: string | null;
}

/** Which splits a stat command shows: `stat ts` (TrafficSplits, as Linkerd) or `stat httproute`. */
export type StatKind = 'TrafficSplit' | 'HTTPRoute';

export interface StatRequest {
  readonly kind: StatKind;
  /** The server as the user gave it (for messages) and its GraphQL endpoint. */
  readonly server: string;
  readonly endpoint: string;
  /** null: all namespaces (-A). */
  readonly namespace: string | null;
  /** null: every split (subject to labelSelector). */
  readonly names: readonly string[] | null;
  readonly labelSelector: string | null;
  readonly window: StatWindow;
  readonly output: StatOutputFormat;
  readonly from: ClientSelector | null;
  readonly to: DestinationFilter | null;
  /** null: print once; else redraw every this many ms until stopped. */
  readonly watchIntervalMs: number | null;
}

export type StatArgsResult = { readonly ok: true; readonly request: StatRequest } | { readonly ok: false; readonly error: string };

export const DEFAULT_SERVER = 'http://localhost:8080';
const DEFAULT_WATCH_INTERVAL = '2s';
const OUTPUTS: readonly StatOutputFormat[] = ['table', 'json', 'wide'];
/** Kinds whose pods are clients Prometheus (and splitstat) label by owner; namespace means all of its clients. */
const FROM_KINDS = new Set(['namespace', 'deployment', 'daemonset', 'statefulset', 'job', 'cronjob', 'pod', 'replicaset', 'replicationcontroller']);

class ArgsError extends Error {}

export function parseStatArgs(resources: readonly string[], flags: StatFlags, environment: StatEnvironment): StatArgsResult {
  try {
    return { ok: true, request: buildRequest(resources, flags, environment) };
  } catch (error) {
    if (error instanceof ArgsError) return { ok: false, error: error.message };
    throw error;
  }
}

function buildRequest(resources: readonly string[], flags: StatFlags, environment: StatEnvironment): StatRequest {
  const { kind, names } = splitNames(resources);
  const toText = given(flags.to);
  const to = toText === undefined ? undefined : ref(toText);
  const fromText = given(flags.from);
  const from = fromText === undefined ? undefined : ref(fromText);
  const toNamespace = given(flags.toNamespace);
  const fromNamespace = given(flags.fromNamespace);
  const namespaceFlag = given(flags.namespace);
  const allNamespaces = flags.allNamespaces === true;

  if (to !== undefined && from !== undefined) fail('--to and --from flags are mutually exclusive');
  if (toNamespace !== undefined && fromNamespace !== undefined) fail('--to-namespace and --from-namespace flags are mutually exclusive');
  // As in Linkerd, `-A -n <the default namespace>` is no conflict: it compares values.
  if (allNamespaces && namespaceFlag !== undefined && namespaceFlag !== environment.defaultNamespace) {
    fail('--all-namespaces and --namespace flags are mutually exclusive');
  }
  const output = parseOutput(flags.output);
  const window = parseWindow(given(flags.timeWindow) ?? DEFAULT_STAT_WINDOW);
  if (allNamespaces && names !== null) fail('stats for a resource cannot be retrieved by name across all namespaces');

  // With -A, Linkerd left the --from/--to namespace open unless given.
  const namespace = allNamespaces ? null : (namespaceFlag ?? environment.defaultNamespace);
  const clients = clientSelector(from, fromNamespace, namespace);
  const destinations = destinationFilter(to, toNamespace, namespace);
  const server = given(flags.server) ?? given(environment.env['SPLITSTAT_SERVER']) ?? DEFAULT_SERVER;
  const endpoint = graphqlEndpoint(server);
  const watchIntervalMs = parseWatch(flags);
  return {
    kind,
    server,
    endpoint,
    namespace,
    names,
    labelSelector: given(flags.selector) ?? null,
    window,
    output,
    from: clients,
    to: destinations,
    watchIntervalMs,
  };
}

/** Linkerd treated an empty flag value as an absent flag. */
function given(value: string | undefined): string | undefined {
  return value === '' ? undefined : value;
}

function fail(message: string): never {
  throw new ArgsError(message);
}

function ref(text: string): ResourceRef {
  const parsed = parseResourceRef(text);
  if (!parsed.ok) fail(parsed.error);
  return parsed.ref;
}

const STAT_KINDS: Readonly<Record<string, StatKind>> = { trafficsplit: 'TrafficSplit' };

/**
 * The kind and split names asked for (null: all). Forms (Linkerd's): `ts`, `ts/NAME`, `ts NAME…`,
 * `ts/NAME ts/NAME…`, and the same with `httproute`. A bare `ts` among named ones asks for every
 * split, as Linkerd's union did. One command shows one kind: the two tables differ.
 */
function splitNames(resources: readonly string[]): { kind: StatKind; names: string[] | null } {
  const [first, ...rest] = resources;
  if (first === undefined) fail('no resource type given: use "stat ts" (or trafficsplit, trafficsplits) or "stat httproute", optionally with names');
  const isType = (word: string): boolean => isHttpRouteWord(word) || parseResourceRef(word).ok;
  const firstIsType = !first.includes('/') && isType(first);
  const refs = firstIsType && rest.length > 0 ? rest.map((name) => ({ typed: first, name })) : resources.map(typedRef);
  const kinds = new Set<StatKind>();
  for (const { typed } of refs) {
    const parsed = parseResourceRef(typed);
    const kind = isHttpRouteWord(typed) ? 'HTTPRoute' : parsed.ok ? STAT_KINDS[parsed.ref.kind] : undefined;
    if (kind === undefined) fail(`unsupported resource type: ${typed}`);
    kinds.add(kind);
  }
  if (kinds.size > 1) fail('trafficsplits and httproutes cannot be shown in one table: run "stat ts" and "stat httproute" apart');
  const [kind = 'TrafficSplit'] = kinds;
  if (refs.some(({ name }) => name === '')) return { kind, names: null };
  return { kind, names: [...new Set(refs.map(({ name }) => name))] };
}

function typedRef(text: string): { typed: string; name: string } {
  const parts = text.split('/');
  if (parts.length > 2) fail(`Invalid resource string: ${text}`);
  return { typed: parts[0] ?? '', name: parts[1] ?? '' };
}

function parseOutput(output: string | undefined): StatOutputFormat {
  if (output === undefined) return 'table';
  const format = OUTPUTS.find((candidate) => candidate === output);
  if (format === undefined) fail('--output currently only supports table, json and wide');
  return format;
}

/** The server or Prometheus answering knows how far back it can look; only the minimum is checked here. */
function parseWindow(text: string): StatWindow {
  try {
    return parseStatWindow(text);
  } catch (error) {
    if (!(error instanceof StatWindowError)) throw error;
    fail(error.problem === 'syntax' ? `--time-window: ${error.message}` : error.message);
  }
}

function parseDuration(flag: string, text: string): number {
  try {
    return parseGoDuration(text);
  } catch (error) {
    if (error instanceof DurationError) fail(`${flag}: ${error.message} (use Go duration syntax: 30s, 1m, 1m30s, 1h)`);
    throw error;
  }
}

function parseWatch(flags: StatFlags): number | null {
  if (flags.watch !== true) {
    if (flags.watchInterval !== undefined) fail('--watch-interval needs --watch');
    return null;
  }
  const text = flags.watchInterval ?? DEFAULT_WATCH_INTERVAL;
  const ms = parseDuration('--watch-interval', text);
  if (ms <= 0) fail(`--watch-interval must be a positive duration such as 2s, got ${JSON.stringify(text)}`);
  return ms;
}

/** `<server>/graphql`, unless the URL already names the endpoint. */
function graphqlEndpoint(server: string): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    fail(`--server: ${JSON.stringify(server)} is not a URL (e.g. http://localhost:8080)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`--server: ${JSON.stringify(server)} is not an http or https URL`);
  const path = url.pathname.replace(/\/+$/, '');
  url.pathname = path.endsWith('/graphql') ? path : `${path}/graphql`;
  url.search = '';
  url.hash = '';
  return url.toString();
}

/**
 * `--from`: the clients whose requests count. `--from deploy/x` means deployment x in the
 * --from-namespace (else the -n namespace); `--from ns/x` means every client in namespace x.
 */
function clientSelector(from: ResourceRef | undefined, fromNamespace: string | undefined, namespace: string | null): ClientSelector | null {
  const lookIn = fromNamespace ?? namespace;
  // --from-namespace alone: every client in that namespace.
  if (from === undefined) return fromNamespace === undefined ? null : { namespace: fromNamespace };
  if (from.kind === 'authority') fail('cannot query traffic --from an authority');
  if (from.kind === 'service') fail("service only supported as a target on 'from' queries, or as a destination on 'to' queries");
  if (from.kind === 'all') fail("resource type 'all' is not supported as a filter");
  if (!FROM_KINDS.has(from.kind)) fail(`cannot query traffic --from a ${from.kind}`);
  if (from.kind === 'namespace') {
    const clientNamespace = from.name === '' ? lookIn : from.name;
    return clientNamespace === null ? null : { namespace: clientNamespace };
  }
  return {
    ...(lookIn === null ? {} : { namespace: lookIn }),
    kind: from.kind,
    ...(from.name === '' ? {} : { name: from.name }),
  };
}

/**
 * `--to`: Linkerd added dst_service/dst_namespace labels, so only requests the named leaf served
 * counted and the other leaves showed `-`. splitstat knows which backend service served each
 * request but not which deployment or pod, so only services and namespaces can be filtered.
 */
function destinationFilter(to: ResourceRef | undefined, toNamespace: string | undefined, namespace: string | null): DestinationFilter | null {
  const lookIn = toNamespace ?? namespace;
  // --to-namespace alone: every destination in that namespace.
  if (to === undefined) return toNamespace === undefined ? null : { namespace: toNamespace, service: null };
  if (to.kind === 'all') fail("resource type 'all' is not supported as a filter");
  if (to.kind === 'namespace') {
    const destinationNamespace = to.name === '' ? lookIn : to.name;
    return destinationNamespace === null ? null : { namespace: destinationNamespace, service: null };
  }
  if (to.kind !== 'service') {
    const typed = to.name === '' ? to.typed : `${to.typed}/${to.name}`;
    fail(`--to ${typed} is not supported: a TrafficSplit's leaves are services, so use --to svc/NAME or --to ns/NAME`);
  }
  return { namespace: lookIn, service: to.name === '' ? null : to.name };
}
