// Which edges a split's numbers are read from: a TrafficSplit's are its apex → backend edges; an
// HTTPRoute split's are those of its route only, since the proxy names the route that sent them.
import type { TrafficSplit } from '../splits/index.js';
import { apexKey, routeId } from './adapter.js';
import type { TrafficEdge } from './adapter.js';

export function splitRouteId(split: TrafficSplit): string | undefined {
  return split.route === undefined ? undefined : routeId(split.route.group, split.route.name);
}

export function splitEdge(split: TrafficSplit, leaf: string): TrafficEdge {
  return { apexNamespace: split.namespace, apex: split.apex, leaf, route: splitRouteId(split) };
}

/** The key of everything sent to the split's apex (through its route, for an HTTPRoute split). */
export function splitApexKey(split: TrafficSplit): string {
  return apexKey(split.namespace, split.apex, splitRouteId(split));
}
