// Resource words as `linkerd viz stat` understood them: kubectl's short, singular and plural
// names, written TYPE or TYPE/NAME. splitstat's API wants the lower-case singular kind.

/** Every spelling of each kind Linkerd 2.11 accepted, canonical kind first. */
const KIND_ALIASES: readonly (readonly string[])[] = [
  ['authority', 'au', 'authorities'],
  ['cronjob', 'cj', 'cronjobs'],
  ['daemonset', 'ds', 'daemonsets'],
  ['deployment', 'deploy', 'deployments'],
  ['job', 'jobs'],
  ['namespace', 'ns', 'namespaces'],
  ['pod', 'po', 'pods'],
  ['replicationcontroller', 'rc', 'replicationcontrollers'],
  ['replicaset', 'rs', 'replicasets'],
  ['service', 'svc', 'services'],
  ['serviceprofile', 'sp', 'serviceprofiles'],
  ['statefulset', 'sts', 'statefulsets'],
  ['trafficsplit', 'ts', 'trafficsplits'],
  ['all'],
];

const CANONICAL = new Map<string, string>(
  KIND_ALIASES.flatMap((spellings): [string, string][] => spellings.map((spelling) => [spelling, spellings[0] ?? spelling])),
);

/** The canonical kind of a resource word, or undefined. kubectl ignores case, so this does too. */
export function canonicalKind(word: string): string | undefined {
  return CANONICAL.get(word.toLowerCase());
}

export interface ResourceRef {
  /** Canonical kind, e.g. `deployment`. */
  readonly kind: string;
  /** As typed, e.g. `deploy`: error messages quote what the user wrote. */
  readonly typed: string;
  /** Empty when only the type was given (`deploy`, `deploy/`). */
  readonly name: string;
}

export type ResourceResult = { readonly ok: true; readonly ref: ResourceRef } | { readonly ok: false; readonly error: string };

/** Parses `TYPE` or `TYPE/NAME`, with Linkerd's error texts. */
export function parseResourceRef(text: string): ResourceResult {
  const parts = text.split('/');
  if (parts.length > 2) return { ok: false, error: `Invalid resource string: ${text}` };
  const [typed = '', name = ''] = parts;
  const kind = canonicalKind(typed);
  if (kind === undefined) return { ok: false, error: `cannot find Kubernetes canonical name from friendly name [${typed}]` };
  return { ok: true, ref: { kind, typed, name } };
}

/** splitstat's own resource word for `stat`: weighted HTTPRoutes (not one of Linkerd's, so not above). */
export function isHttpRouteWord(word: string): boolean {
  const lower = word.toLowerCase();
  return lower === 'httproute' || lower === 'httproutes';
}
