// Open Service Mesh names an outbound cluster `<namespace>/<service>|<targetPort>` (osm ≥ v0.11,
// pkg/service/types.go EnvoyClusterName) and routes a TrafficSplit's apex to one weighted cluster
// per backend (pkg/catalog/outbound_traffic_policies.go). It sets no stats tags of its own, so
// Envoy's default tag extraction puts the whole name in `envoy_cluster_name`
// (source/common/config/well_known_names.cc); `…|local` is the server side's cluster of its own
// app and is skipped.
import type { MeshAdapter } from '../adapter.js';
import { createEnvoyAdapter, envoyGeneration, someLabelValue } from './adapter.js';
import type { EnvoyLeaf, EnvoyNaming } from './adapter.js';

export const OSM_MESH = 'osm';

/** `<namespace>/<service>|<port>`: a namespace (DNS-1123 label), a Service (DNS-1035 label), a port. */
const OSM_CLUSTER = /^([a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?)\/([a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)\|(\d{1,5})$/;

/** The leaf an OSM outbound cluster reaches, or null for anything else (`|local`, Envoy's own clusters). */
export function osmClusterLeaf(clusterName: string | undefined): { readonly namespace: string; readonly leaf: string } | null {
  const match = clusterName === undefined ? null : OSM_CLUSTER.exec(clusterName);
  if (match === null) return null;
  return { namespace: match[1] as string, leaf: match[2] as string };
}

/** What follows `envoy_cluster_name="` in an OSM cluster's label (sticky: matched in place). */
const OSM_CLUSTER_VALUE = /[a-z0-9-]+\/[a-z][-a-z0-9]*\|\d+(?:\|local)?"/y;

/**
 * OSM's naming. A page whose Envoy names a cluster as OSM does is an OSM sidecar's: Envoy writes
 * its cluster families from the start, and OSM's local cluster is on every injected pod that
 * serves a Service, so most pages tell before any request was sent.
 */
export const OSM_NAMING: EnvoyNaming = {
  mesh: OSM_MESH,
  leafOf: (labels): EnvoyLeaf | null => osmClusterLeaf(labels.envoy_cluster_name),
  writes: (body) =>
    someLabelValue(body, 'envoy_cluster_', 'envoy_cluster_name', (text, start) => {
      OSM_CLUSTER_VALUE.lastIndex = start;
      return OSM_CLUSTER_VALUE.test(text);
    }),
};

export function osmGeneration(body: string | readonly string[], previous: string | undefined): string | undefined {
  return envoyGeneration(OSM_NAMING, body, previous);
}

export function createOsmAdapter(): MeshAdapter {
  return createEnvoyAdapter(OSM_NAMING);
}
