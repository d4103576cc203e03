// The kinds of object the fake API server can hold, described the way discovery shows them.
// A type is one collection of objects served under one or more versions; like a CRD with
// `conversion: None`, every version serves the same stored objects, only apiVersion differs.
import { isJsonObject } from './http.js';

export interface ResourceType {
  /** API group; '' for the core group (`/api/v1`). */
  readonly group: string;
  /** Served versions. */
  readonly versions: readonly string[];
  /** Discovery's preferredVersion; default: the highest by Kubernetes version priority. */
  readonly preferredVersion?: string;
  /** Plural resource name in URLs (`pods`, `trafficsplits`). */
  readonly resource: string;
  readonly kind: string;
  readonly singularName?: string;
  readonly shortNames?: readonly string[];
  /**
   * Built-in types omit apiVersion/kind on the items of a list (only the list carries them);
   * custom resources keep them on every item. The fake does the same so clients see both shapes.
   */
  readonly builtin?: boolean;
}

export const PODS: ResourceType = { group: '', versions: ['v1'], resource: 'pods', kind: 'Pod', singularName: 'pod', shortNames: ['po'], builtin: true };
export const REPLICA_SETS: ResourceType = {
  group: 'apps',
  versions: ['v1'],
  resource: 'replicasets',
  kind: 'ReplicaSet',
  singularName: 'replicaset',
  shortNames: ['rs'],
  builtin: true,
};
export const DEPLOYMENTS: ResourceType = {
  group: 'apps',
  versions: ['v1'],
  resource: 'deployments',
  kind: 'Deployment',
  singularName: 'deployment',
  shortNames: ['deploy'],
  builtin: true,
};
export const STATEFUL_SETS: ResourceType = {
  group: 'apps',
  versions: ['v1'],
  resource: 'statefulsets',
  kind: 'StatefulSet',
  singularName: 'statefulset',
  shortNames: ['sts'],
  builtin: true,
};

/** The resource type a CustomResourceDefinition object (as parsed from its YAML) declares. */
export function resourceTypeFromCrd(crd: unknown): ResourceType {
  if (!isJsonObject(crd) || crd.kind !== 'CustomResourceDefinition' || !isJsonObject(crd.spec)) {
    throw new Error('not a CustomResourceDefinition');
  }
  const { spec } = crd;
  const names = isJsonObject(spec.names) ? spec.names : {};
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  const served = versions.flatMap((version) =>
    isJsonObject(version) && version.served === true && typeof version.name === 'string' ? [version.name] : [],
  );
  if (typeof spec.group !== 'string' || typeof names.plural !== 'string' || typeof names.kind !== 'string') {
    throw new Error('CustomResourceDefinition without group, names.plural or names.kind');
  }
  return {
    group: spec.group,
    versions: served,
    resource: names.plural,
    kind: names.kind,
    ...(typeof names.singular === 'string' ? { singularName: names.singular } : {}),
    ...(Array.isArray(names.shortNames) ? { shortNames: names.shortNames.filter((name): name is string => typeof name === 'string') } : {}),
  };
}

/**
 * Kubernetes version priority (the order discovery lists versions in): GA before beta before
 * alpha, then the higher major, then the higher pre-release number; other names last, by name.
 * Written out here on purpose rather than shared with src/, so the fake checks the real code.
 */
export function compareVersionPriority(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (pa === undefined || pb === undefined) {
    if (pa !== undefined) return -1;
    if (pb !== undefined) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return pb.stability - pa.stability || pb.major - pa.major || pb.minor - pa.minor;
}

function parseVersion(version: string): { major: number; stability: number; minor: number } | undefined {
  const match = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(version);
  if (match === null) return undefined;
  const stability = match[2] === undefined ? 2 : match[2] === 'beta' ? 1 : 0;
  return { major: Number(match[1]), stability, minor: match[3] === undefined ? 0 : Number(match[3]) };
}

export function sortedVersions(type: ResourceType): string[] {
  return [...type.versions].sort(compareVersionPriority);
}

export function preferredVersion(type: ResourceType): string | undefined {
  return type.preferredVersion ?? sortedVersions(type)[0];
}

export function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}
