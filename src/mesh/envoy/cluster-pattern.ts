// Any other Envoy-based mesh whose cluster names say which Service they reach: the user gives a
// regular expression over `envoy_cluster_name` with a named group `service` and, when the name
// holds it, `namespace` (README: Other Envoy-based meshes). Without `namespace`, the Service is
// the one in the client's own namespace. The same pattern selects clusters in PromQL, so it must
// mean the same to JavaScript and to Prometheus' RE2: no lookaround, no backreferences.
import type { MeshAdapter } from '../adapter.js';
import { createEnvoyAdapter, NAMESPACE_NAME, SERVICE_NAME, someLabelValue } from './adapter.js';
import type { EnvoyLeaf, EnvoyNaming } from './adapter.js';

export const ENVOY_PATTERN_MESH = 'envoy';

export class ClusterPatternError extends Error {
  override readonly name = 'ClusterPatternError';
}

/** A checked cluster-name pattern: the user's text, and the anchored expression it compiles to. */
export interface ClusterPattern {
  readonly source: string;
  readonly regex: RegExp;
}

/** Constructs RE2 lacks, which would make the pattern mean something else (or nothing) to Prometheus. */
const NOT_RE2 = [
  { construct: /\(\?<?[=!]/, what: 'lookaround' },
  { construct: /\\[1-9]|\\k</, what: 'a backreference' },
];

/** Checks and compiles `--envoy-cluster-pattern`; ClusterPatternError says what is wrong. */
export function parseClusterPattern(source: string): ClusterPattern {
  for (const { construct, what } of NOT_RE2) {
    if (construct.test(source)) throw new ClusterPatternError(`--envoy-cluster-pattern uses ${what}, which Prometheus' regular expressions (RE2) lack`);
  }
  let regex: RegExp;
  try {
    // Anchored as Prometheus anchors =~, so a pattern selects the same clusters in both modes.
    regex = new RegExp(`^(?:${source})$`);
  } catch (error) {
    throw new ClusterPatternError(`--envoy-cluster-pattern is no regular expression: ${(error as Error).message}`);
  }
  const groups = new Set([...source.matchAll(/\(\?<([A-Za-z][A-Za-z0-9_]*)>/g)].map((match) => match[1]));
  if (!groups.has('service')) throw new ClusterPatternError('--envoy-cluster-pattern needs a named group (?<service>…) for the Service a cluster reaches');
  const unknown = [...groups].filter((group) => group !== 'service' && group !== 'namespace');
  if (unknown.length > 0) throw new ClusterPatternError(`--envoy-cluster-pattern names groups other than service and namespace: ${unknown.join(', ')}`);
  return { source, regex };
}

/** The leaf a cluster name reaches under the pattern, or null. */
export function patternLeaf(pattern: ClusterPattern, clusterName: string | undefined): EnvoyLeaf | null {
  const groups = clusterName === undefined ? undefined : pattern.regex.exec(clusterName)?.groups;
  const service = groups?.service;
  if (service === undefined || !SERVICE_NAME.test(service)) return null;
  const namespace = groups?.namespace;
  if (namespace === undefined) return { namespace: null, leaf: service };
  return NAMESPACE_NAME.test(namespace) ? { namespace, leaf: service } : null;
}

/** The pattern's naming: a page is this mesh's when one of its clusters matches. */
export function clusterPatternNaming(pattern: ClusterPattern): EnvoyNaming {
  return {
    mesh: ENVOY_PATTERN_MESH,
    leafOf: (labels) => patternLeaf(pattern, labels.envoy_cluster_name),
    writes: (body) =>
      someLabelValue(body, 'envoy_cluster_', 'envoy_cluster_name', (text, start) => {
        const end = text.indexOf('"', start);
        return end !== -1 && patternLeaf(pattern, text.slice(start, end)) !== null;
      }),
  };
}

export function createClusterPatternAdapter(pattern: ClusterPattern): MeshAdapter {
  return createEnvoyAdapter(clusterPatternNaming(pattern));
}
