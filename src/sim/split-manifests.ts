// The Kubernetes objects the simulated cluster's splits are, as `kubectl get -o yaml` would show
// them: an SMI TrafficSplit, or a weighted HTTPRoute attached to its apex Service (the shape
// splitstat's HTTPRoute reader and Flagger's Gateway API canaries use: one rule, its backendRefs
// carrying the weights).
import type { HttpRouteApiVersion, SplitApiVersion } from './scenario.js';
import type { SplitBackendWeight, SplitRuntime } from './topology.js';

interface ManifestMetadata {
  readonly name: string;
  readonly namespace: string;
}

export interface TrafficSplitManifest {
  readonly apiVersion: SplitApiVersion;
  readonly kind: 'TrafficSplit';
  readonly metadata: ManifestMetadata;
  readonly spec: {
    readonly service: string;
    /** Weights exactly as the scenario wrote them (number or Quantity string). */
    readonly backends: readonly { readonly service: string; readonly weight: number | string }[];
  };
}

export interface HttpRouteBackendRef {
  readonly name: string;
  readonly port: number;
  readonly weight: number;
}

export interface HttpRouteManifest {
  readonly apiVersion: HttpRouteApiVersion;
  readonly kind: 'HTTPRoute';
  readonly metadata: ManifestMetadata;
  readonly spec: {
    /** The apex: a Service of the route's namespace, on the scenario's port. */
    readonly parentRefs: readonly { readonly group: 'core'; readonly kind: 'Service'; readonly name: string; readonly port: number }[];
    /** One rule whose backendRefs are the split's current backends, in scenario order. */
    readonly rules: readonly { readonly backendRefs: readonly HttpRouteBackendRef[] }[];
  };
}

/** A split of the simulated cluster as its object; `kind` tells which. */
export type SplitManifest = TrafficSplitManifest | HttpRouteManifest;

/** The split as it is now, as a fresh object. */
export function splitManifest(split: SplitRuntime): SplitManifest {
  const { spec } = split;
  const metadata = { name: spec.name, namespace: spec.namespace };
  if (spec.kind === 'HTTPRoute') {
    return {
      apiVersion: spec.apiVersion,
      kind: 'HTTPRoute',
      metadata,
      spec: {
        parentRefs: [{ group: 'core', kind: 'Service', name: spec.apex, port: spec.port }],
        rules: [{ backendRefs: split.backendWeights.map((backend) => backendRef(backend, spec.port)) }],
      },
    };
  }
  return {
    apiVersion: spec.apiVersion,
    kind: 'TrafficSplit',
    metadata,
    spec: { service: spec.apex, backends: split.backendWeights.map(({ service, weight }) => ({ service, weight: weight.asWritten })) },
  };
}

function backendRef({ service, weight }: SplitBackendWeight, port: number): HttpRouteBackendRef {
  // The scenario admits only whole numbers as HTTPRoute weights, so value is what was written.
  return { name: service, port, weight: weight.value };
}
