// Checks that need the whole scenario: names that must be unique, and references from clients
// and schedule steps to splits and backends declared elsewhere in the file.
import { HTTPROUTE_PROXY, httpRouteWeightProblem } from './scenario-schema.js';
import type { ClientMesh, ScenarioShape, SplitRef } from './scenario-schema.js';

/** How messages name each client mesh. */
const MESH_TITLES: Readonly<Record<ClientMesh, string>> = { linkerd: 'Linkerd', istio: 'Istio', osm: 'Open Service Mesh', consul: 'Consul Connect' };

export interface RawIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

export function checkReferences(shape: ScenarioShape): RawIssue[] {
  const issues: RawIssue[] = [];
  const splitIndex = new Map<string, number>();
  const apexOwner = new Map<string, number>();

  shape.splits.forEach((split, i) => {
    const key = `${split.namespace}/${split.name}`;
    const earlier = splitIndex.get(key);
    // Calls and schedule steps name a split by namespace/name alone, whatever its kind.
    if (earlier !== undefined) issues.push({ path: ['splits', i, 'name'], message: `duplicate split ${key} (also splits[${earlier}])` });
    else splitIndex.set(key, i);

    // Proxy metrics know the apex only through the authority, so two splits of one apex could
    // not be told apart, and the simulator could not say which one routes a request.
    const apexKey = `${split.namespace}/${split.apex}`;
    const owner = apexOwner.get(apexKey);
    if (owner !== undefined) issues.push({ path: ['splits', i, 'apex'], message: `apex ${apexKey} is already split by splits[${owner}]` });
    else apexOwner.set(apexKey, i);

    const seen = new Map<string, number>();
    split.backends.forEach((backend, j) => {
      const first = seen.get(backend.service);
      if (first !== undefined) issues.push({ path: ['splits', i, 'backends', j, 'service'], message: `duplicate backend ${backend.service} (also backends[${first}])` });
      else seen.set(backend.service, j);
      if (backend.latency.p99Ms < backend.latency.p50Ms) {
        issues.push({ path: ['splits', i, 'backends', j, 'latency', 'p99'], message: 'p99 must not be below p50' });
      }
    });
  });

  // A Service has one set of pods, however many splits list it as a backend.
  const backendOwner = new Map<string, { split: number; backend: number; fingerprint: string }>();
  shape.splits.forEach((split, i) => {
    split.backends.forEach((backend, j) => {
      const key = `${split.namespace}/${backend.service}`;
      const fingerprint = JSON.stringify([backend.pods, backend.successRate, backend.latency]);
      const owner = backendOwner.get(key);
      if (owner === undefined) backendOwner.set(key, { split: i, backend: j, fingerprint });
      else if (owner.split !== i && owner.fingerprint !== fingerprint) {
        issues.push({
          path: ['splits', i, 'backends', j],
          message: `${key} is also declared by splits[${owner.split}].backends[${owner.backend}] with other pods, successRate or latency; a Service has one set of pods`,
        });
      }
    });
  });

  const clientIndex = new Map<string, number>();
  shape.clients.forEach((client, i) => {
    const meshName = MESH_TITLES[client.mesh];
    if (client.mesh !== 'linkerd' && client.proxy !== undefined) {
      issues.push({ path: ['clients', i, 'proxy'], message: `names a Linkerd proxy version, and this client runs ${meshName} (mesh: ${client.mesh}): leave proxy out` });
    }
    // Envoy's cluster families count HTTP status codes only: a gRPC failure (HTTP 200) would be
    // a success on the page and a failure in the truth.
    if ((client.mesh === 'osm' || client.mesh === 'consul') && client.protocol === 'grpc') {
      issues.push({ path: ['clients', i, 'protocol'], message: `is grpc, and this client runs ${meshName}: Envoy's cluster counters cannot tell gRPC failures (they answer HTTP 200), so ${meshName} clients are simulated over HTTP only` });
    }
    const key = `${client.namespace}/${client.workload.kind}/${client.workload.name}`;
    const earlier = clientIndex.get(key);
    if (earlier !== undefined) issues.push({ path: ['clients', i, 'workload'], message: `duplicate client workload ${key} (also clients[${earlier}])` });
    else clientIndex.set(key, i);
    client.calls.forEach((call, j) => {
      const key = refKey(call.split, client.namespace);
      const target = splitIndex.get(key);
      if (target === undefined) {
        issues.push({ path: ['clients', i, 'calls', j, 'split'], message: `no split ${key} is declared under splits` });
        return;
      }
      // Consul CE registers every Service in its one namespace, and splitstat reads such a call as
      // one to the Service of that name in the client's own namespace (README: Consul Connect).
      if (client.mesh === 'consul' && shape.splits[target]?.namespace !== client.namespace) {
        issues.push({
          path: ['clients', i, 'calls', j, 'split'],
          message: `${key} is in another namespace, and this client runs Consul Connect: simulated Consul clients (Consul CE, one namespace) call splits of their own namespace`,
        });
      }
      // Proxies before Linkerd 2.16 neither route by HTTPRoute nor write route-backend metrics, so
      // such a call would be traffic no simulated page could show. Other meshes' sidecars route
      // by it and count the backend Service, as for a TrafficSplit.
      if (shape.splits[target]?.kind === 'HTTPRoute' && client.mesh === 'linkerd' && client.proxy !== HTTPROUTE_PROXY) {
        const runs = client.proxy === undefined ? 'runs stable-2.11 and stable-2.8 proxies (no proxy given)' : `runs ${client.proxy}`;
        issues.push({
          path: ['clients', i, 'calls', j, 'split'],
          message: `${key} is an HTTPRoute, which only proxy: ${HTTPROUTE_PROXY} routes by and reports route-backend metrics for (Linkerd 2.16 and later); this client ${runs}`,
        });
      }
      // gRPC through an HTTPRoute answers HTTP 200 whatever its grpc-status, so the proxy's HTTP
      // route families cannot tell its failures (the gRPC families are GRPCRoutes', not simulated).
      if (shape.splits[target]?.kind === 'HTTPRoute' && client.protocol === 'grpc') {
        issues.push({
          path: ['clients', i, 'calls', j, 'split'],
          message: `${key} is an HTTPRoute, and this client speaks gRPC: gRPC through an HTTPRoute is not simulated (its failures answer HTTP 200, which the route's metrics cannot tell apart)`,
        });
      }
    });
  });

  shape.schedule.forEach((step, i) => {
    if (step.split.namespace === undefined) {
      issues.push({ path: ['schedule', i, 'split'], message: 'must name the split as "namespace/name"' });
      return;
    }
    const key = refKey(step.split, undefined);
    const target = splitIndex.get(key);
    if (target === undefined) {
      issues.push({ path: ['schedule', i, 'split'], message: `no split ${key} is declared under splits` });
      return;
    }
    const split = shape.splits[target];
    const declared = new Set(split?.backends.map((backend) => backend.service));
    for (const [service, weight] of Object.entries(step.backends)) {
      if (!declared.has(service)) {
        issues.push({
          path: ['schedule', i, 'backends', service],
          message: `${service} is not a backend of ${key}; declare it under splits[${target}].backends (without a weight if it should start outside the split)`,
        });
        continue;
      }
      const problem = split?.kind === 'HTTPRoute' ? httpRouteWeightProblem(weight) : undefined;
      if (problem !== undefined) issues.push({ path: ['schedule', i, 'backends', service], message: problem });
    }
  });

  // The first step at time zero would have nothing to change from: that is the initial state.
  if (shape.schedule[0]?.after === 0) {
    issues.push({ path: ['schedule', 0, 'after'], message: 'the first step must come after the start; write its weights as the initial ones instead' });
  }
  if (shape.repeat && shape.schedule.length === 0) issues.push({ path: ['repeat'], message: 'there is no schedule to repeat' });
  return issues;
}

export function refKey(ref: SplitRef, defaultNamespace: string | undefined): string {
  return `${ref.namespace ?? defaultNamespace ?? ''}/${ref.name}`;
}
