// Consul Connect names an upstream cluster `[<hash>~][<subset>.]<service>.<namespace>[.<partition>].
// <datacenter>.internal[-v1].<trust-domain>.consul` (hashicorp/consul agent/connect/sni.go).
// Envoy's default extractor keeps only the first dot-separated piece of a cluster's name in
// `envoy_cluster_name` (well_known_names.cc, `cluster.$.**`), so the Service is read from the
// stats tags Consul configures on every sidecar since 1.9 (command/connect/envoy/
// bootstrap_config.go, resourceTagSpecifiers): `consul_destination_service`,
// `consul_destination_namespace`, `consul_destination_service_subset`,
// `consul_destination_routing_type`, …, beside fixed `consul_source_*` tags on every stat.
//
// Which Kubernetes namespace: consul-k8s registers a Service under its own name, in Consul
// namespace `default` unless Consul Enterprise mirrors Kubernetes namespaces. A destination in a
// Consul namespace other than `default` is read as the Kubernetes namespace of that name; one in
// `default` as the client's own namespace (README: Consul Connect).
//
// A service-resolver's subsets of one Service are that Service's (as Istio's versions are);
// clusters of peered clusters (`…external…`) are other clusters' Services and are skipped.
import type { MeshAdapter } from '../adapter.js';
import { createEnvoyAdapter, NAMESPACE_NAME, SERVICE_NAME, someLabelValue } from './adapter.js';
import type { EnvoyLeaf, EnvoyNaming } from './adapter.js';

export const CONSUL_MESH = 'consul';

/** Consul's one namespace in CE, and the default one in Enterprise: it says nothing about Kubernetes'. */
export const CONSUL_DEFAULT_NAMESPACE = 'default';

/** The leaf a Consul upstream cluster's series went to, from Consul's stats tags. */
export function consulLeaf(labels: Readonly<Record<string, string>>): EnvoyLeaf | null {
  const service = labels.consul_destination_service;
  if (service === undefined || !SERVICE_NAME.test(service)) return null;
  // `internal` (default partition) or `internal-v1` (a named one); `external` is a peer's.
  if (labels.consul_destination_routing_type?.startsWith('internal') !== true) return null;
  const namespace = kubernetesNamespace(labels.consul_destination_namespace);
  return namespace === undefined ? null : { namespace, leaf: service };
}

/** The Kubernetes namespace a Consul namespace stands for; null: the client's own; undefined: none can. */
export function kubernetesNamespace(consulNamespace: string | undefined): string | null | undefined {
  if (consulNamespace === undefined || consulNamespace === '' || consulNamespace === CONSUL_DEFAULT_NAMESPACE) return null;
  return NAMESPACE_NAME.test(consulNamespace) ? consulNamespace : undefined;
}

/**
 * Consul's naming. Consul's fixed `consul_source_service` tag is on every stat of its sidecars'
 * Envoy, so a page tells from the start, before any request was sent.
 */
export const CONSUL_NAMING: EnvoyNaming = {
  mesh: CONSUL_MESH,
  leafOf: consulLeaf,
  writes: (body) => someLabelValue(body, 'envoy_', 'consul_source_service', () => true),
};

export function createConsulAdapter(): MeshAdapter {
  return createEnvoyAdapter(CONSUL_NAMING);
}
