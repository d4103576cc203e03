// Discovery documents (`/api`, `/api/v1`, `/apis`, `/apis/<group>`, `/apis/<group>/<version>`)
// built from the resource types the fake serves, in the shapes and order the real server uses.
import type { JsonObject } from './http.js';
import type { ResourceType } from './resource-types.js';
import { groupVersion, preferredVersion, sortedVersions } from './resource-types.js';

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

export function coreVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function resourceList(types: readonly ResourceType[], group: string, version: string): JsonObject | undefined {
  const served = types.filter((type) => type.group === group && type.versions.includes(version));
  if (served.length === 0 && group !== '') return undefined;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion(group, version),
    resources: served.map((type) => ({
      name: type.resource,
      singularName: type.singularName ?? type.kind.toLowerCase(),
      namespaced: true,
      kind: type.kind,
      verbs: VERBS,
      ...(type.shortNames === undefined ? {} : { shortNames: [...type.shortNames] }),
    })),
  };
}

/** The APIGroup of a named group; undefined when no type of the group is served. */
export function apiGroup(types: readonly ResourceType[], group: string): JsonObject | undefined {
  const ofGroup = types.filter((type) => type.group === group && type.versions.length > 0);
  if (ofGroup.length === 0) return undefined;
  // A group's versions are those any of its types serves; its preferred version is that of the
  // first type registered (every SMI group here has a single type).
  const versions = [...new Set(ofGroup.flatMap((type) => sortedVersions(type)))];
  const first = ofGroup[0];
  const preferred = (first === undefined ? undefined : preferredVersion(first)) ?? versions[0] ?? '';
  const entry = (version: string) => ({ groupVersion: groupVersion(group, version), version });
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: versions.map(entry), preferredVersion: entry(preferred) };
}

export function apiGroupList(types: readonly ResourceType[]): JsonObject {
  const groups = [...new Set(types.filter((type) => type.group !== '').map((type) => type.group))];
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.flatMap((group) => {
      const found = apiGroup(types, group);
      if (found === undefined) return [];
      const { kind: _kind, apiVersion: _apiVersion, ...entry } = found;
      return [entry];
    }),
  };
}

export function versionInfo(): JsonObject {
  return {
    major: '1',
    minor: '30',
    gitVersion: 'v1.30.0-fake',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2024-04-17T00:00:00Z',
    goVersion: 'go1.22.2',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}
