// Scenario files: what the simulated mesh contains and how its splits change over time.
//
//   clusterDomain: cluster.local        # default cluster.local
//   seed: 42                            # default 1; same seed + same advances = same numbers
//   splits:
//     - namespace: default              # default "default"
//       name: backend-service
//       kind: TrafficSplit              # TrafficSplit | HTTPRoute, default TrafficSplit
//       apiVersion: split.smi-spec.io/v1alpha2   # TrafficSplit: v1alpha1..v1alpha4, default v1alpha2
//       apex: backend-service
//       port: 8080                      # apex port in the authority label; default 8080
//       backends:
//         - service: backend-v1
//           weight: 90                  # number or Quantity string, written to the split as given;
//                                       # left out: not in the split until a schedule step adds it
//           pods: 2                     # default 1
//           successRate: 0.99           # 0..1, default 1
//           latency: { p50: 20ms, p99: 80ms }   # default 10ms/50ms; lognormal through both
//     - namespace: default
//       name: web-route                 # the HTTPRoute's name, which the proxy's route_name label carries
//       kind: HTTPRoute                 # a weighted HTTPRoute (Gateway API mesh routing, Linkerd >= 2.14)
//       apiVersion: gateway.networking.k8s.io/v1  # default; or policy.linkerd.io/v1beta3
//       apex: web-svc                   # the parent Service (parentRefs: core/Service, this port)
//       port: 8080
//       backends:                       # one rule with these backendRefs, all on `port`
//         - { service: web-v1, weight: 80 }   # whole numbers 0..1000000 only (Gateway API), in
//         - { service: web-v2, weight: 20 }   # the split and in schedule steps alike
//   clients:
//     - namespace: default              # default "default"
//       workload: deployment/client     # kind/name (deploy, sts, ds, rs short forms accepted)
//       pods: 2                         # default 1
//       protocol: http                  # http | grpc, default http
//       mesh: linkerd                   # linkerd | istio | osm | consul: the sidecar its pods run,
//                                       # default linkerd; an Istio pod serves its sidecar's page
//                                       # as istio-exposition.ts writes it, OSM and Consul pods
//                                       # Envoy's (envoy-exposition.ts; HTTP only; Consul clients
//                                       # call splits of their own namespace)
//       proxy: stable-2.17              # stable-2.8 | stable-2.11 | stable-2.17: the Linkerd proxy's
//                                       # metric labels; default: pods alternate 2.11 and 2.8
//       calls:
//         - split: default/backend-service   # or a bare name in the client's namespace
//           rps: 10                     # per client pod
//   schedule:
//     - after: 30s                      # time since the previous step (the first: since start);
//                                       # 0s: at the same instant as the previous step
//       split: link/server              # always namespace/name; TrafficSplits and HTTPRoutes alike
//       backends: { server-v1: 500m, server-v2: 500m }   # the whole new list; omitted = removed
//   repeat: true                        # after the last step, wait the first step's `after`
//                                       # again and start over (the cycle is the sum of afters)
//
// Split names are unique per namespace across both kinds, since calls and steps name a split by
// namespace/name only; and each apex has one split, whatever its kind.
//
// HTTPRoute splits need a client on `proxy: stable-2.17`: proxies before Linkerd 2.16 neither route
// by HTTPRoute nor write the route-backend families, so a call from any other client (or one
// without `proxy`) is an error, and so is a gRPC client (gRPC through an HTTPRoute answers HTTP 200
// whatever its status, so the route's metrics cannot tell its failures; the grpc families are
// GRPCRoutes'). A 2.17 client's page counts each request to an HTTPRoute split twice, as the real
// proxy does: once in response_total under the leaf's own address, and once in
// outbound_http_route_backend_* naming the apex, the route and the leaf
// (linkerd-exposition.ts). The simulator publishes the split as an HTTPRoute object (parentRefs to
// the apex Service, one rule whose backendRefs are the current backends) instead of a TrafficSplit.
//
// Unknown keys are errors, so a typo never silently becomes a default.
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Workload } from '../collect/index.js';
import { checkReferences } from './scenario-references.js';
import type { RawIssue } from './scenario-references.js';
import { scenarioShape } from './scenario-schema.js';
import type { ClientMesh, HttpRouteApiVersion, ProxyVersion, ScenarioShape, SplitApiVersion, SplitRef, WeightSpec } from './scenario-schema.js';

export type { ClientMesh, HttpRouteApiVersion, ProxyVersion, ScenarioSplitKind, SplitApiVersion, WeightSpec } from './scenario-schema.js';
export { CLIENT_MESHES, PROXY_VERSIONS } from './scenario-schema.js';

export interface NamespacedName {
  readonly namespace: string;
  readonly name: string;
}

export interface LatencySpec {
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export interface BackendScenario {
  readonly service: string;
  /** Undefined: declared (its pods exist) but not listed in the split at the start. */
  readonly weight: WeightSpec | undefined;
  readonly pods: number;
  readonly successRate: number;
  readonly latency: LatencySpec;
}

interface SplitScenarioFields {
  readonly namespace: string;
  readonly name: string;
  readonly apex: string;
  readonly port: number;
  readonly backends: readonly BackendScenario[];
}

export interface TrafficSplitScenario extends SplitScenarioFields {
  readonly kind: 'TrafficSplit';
  readonly apiVersion: SplitApiVersion;
}

/** A weighted HTTPRoute: `apex` is its parent Service, `name` the route's own. */
export interface HttpRouteScenario extends SplitScenarioFields {
  readonly kind: 'HTTPRoute';
  readonly apiVersion: HttpRouteApiVersion;
}

export type SplitScenario = TrafficSplitScenario | HttpRouteScenario;

export interface CallScenario {
  readonly split: NamespacedName;
  /** Requests per second from each pod of the client workload. */
  readonly rps: number;
}

export interface ClientScenario {
  readonly namespace: string;
  readonly workload: Workload;
  readonly pods: number;
  readonly protocol: 'http' | 'grpc';
  /** Which mesh's sidecar its pods run: Linkerd's proxy (of `proxy`'s version), Istio's, OSM's or Consul's Envoy. */
  readonly mesh: ClientMesh;
  /** Linkerd only. Undefined: the client's pods alternate between the 2.11 and 2.8 label layouts. */
  readonly proxy?: ProxyVersion | undefined;
  readonly calls: readonly CallScenario[];
}

export interface ScheduleStep {
  /** Milliseconds after the previous step (the first step: after the start). */
  readonly afterMs: number;
  readonly split: NamespacedName;
  /** The split's complete new backend list, in the order written. */
  readonly backends: readonly { readonly service: string; readonly weight: WeightSpec }[];
}

export interface Scenario {
  readonly clusterDomain: string;
  readonly seed: number;
  readonly splits: readonly SplitScenario[];
  readonly clients: readonly ClientScenario[];
  readonly schedule: readonly ScheduleStep[];
  readonly repeat: boolean;
}

export interface ScenarioIssue {
  /** Where in the file, e.g. `splits[0].backends[1].weight` (empty for the whole document). */
  readonly path: string;
  readonly message: string;
  /** 1-based line of the offending value, when the YAML has it. */
  readonly line: number | undefined;
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly fileName: string,
    readonly issues: readonly ScenarioIssue[],
  ) {
    super(issues.map((issue) => formatIssue(fileName, issue)).join('\n'));
  }
}

function formatIssue(fileName: string, issue: ScenarioIssue): string {
  const where = issue.path === '' ? '' : ` ${issue.path}:`;
  const line = issue.line === undefined ? '' : ` (line ${issue.line})`;
  return `${fileName}:${where} ${issue.message}${line}`;
}

/** Reads and validates a scenario file; errors name the file by its base name. */
export async function loadScenarioFile(path: string): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new Error(`cannot read scenario file ${path}: ${reason}`, { cause: error });
  }
  return parseScenarioText(text, basename(path));
}

/** Validates scenario YAML; throws ScenarioError listing every problem found. */
export function parseScenarioText(text: string, fileName = 'scenario.yaml'): Scenario {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      fileName,
      doc.errors.map((error) => ({
        path: '',
        message: `invalid YAML: ${error.message}`,
        line: lineCounter.linePos(error.pos[0]).line,
      })),
    );
  }
  const lineOf = (path: readonly (string | number)[]): number | undefined => {
    // A missing key has no node; point at the nearest enclosing one instead.
    for (let depth = path.length; depth >= 0; depth--) {
      const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
      const range = nodeRange(node);
      if (range !== undefined) return lineCounter.linePos(range).line;
    }
    return undefined;
  };
  const toIssue = (raw: RawIssue): ScenarioIssue => ({ path: formatPath(raw.path), message: raw.message, line: lineOf(raw.path) });

  let data: unknown;
  try {
    data = doc.toJS();
  } catch (error) {
    // Unresolved aliases and alias bombs only surface when the document is built.
    throw new ScenarioError(fileName, [{ path: '', message: `invalid YAML: ${error instanceof Error ? error.message : String(error)}`, line: undefined }]);
  }
  const parsed = scenarioShape.safeParse(data);
  if (!parsed.success) {
    throw new ScenarioError(
      fileName,
      parsed.error.issues.flatMap((issue): ScenarioIssue[] => {
        const path = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
        // Name each unknown key in the path itself, so the message reads like every other one.
        if (issue.code === 'unrecognized_keys') {
          return issue.keys.map((key) => toIssue({ path: [...path, key], message: 'unknown key' }));
        }
        return [toIssue({ path, message: issue.message })];
      }),
    );
  }
  const referenceIssues = checkReferences(parsed.data);
  if (referenceIssues.length > 0) throw new ScenarioError(fileName, referenceIssues.map(toIssue));
  return resolve(parsed.data);
}

function nodeRange(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range: unknown = node.range;
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}

/** `splits[0].backends[1].weight`; keys that are not identifiers are quoted. */
export function formatPath(path: readonly (string | number)[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else if (/^[A-Za-z_][\w-]*$/.test(key)) text += text === '' ? key : `.${key}`;
    else text += `[${JSON.stringify(key)}]`;
  }
  return text;
}

function resolve(shape: ScenarioShape): Scenario {
  const ref = (split: SplitRef, defaultNamespace: string): NamespacedName => ({ namespace: split.namespace ?? defaultNamespace, name: split.name });
  return {
    clusterDomain: shape.clusterDomain,
    seed: shape.seed,
    // Spelled out so an absent weight is an explicit `undefined` in the resolved model.
    splits: shape.splits.map((split) => ({ ...split, backends: split.backends.map((backend) => ({ ...backend, weight: backend.weight })) })),
    clients: shape.clients.map((client) => ({
      ...client,
      calls: client.calls.map((call) => ({ split: ref(call.split, client.namespace), rps: call.rps })),
    })),
    schedule: shape.schedule.map((step) => ({
      afterMs: step.after,
      split: ref(step.split, ''),
      backends: Object.entries(step.backends).map(([service, weight]) => ({ service, weight })),
    })),
    repeat: shape.repeat,
  };
}
