// Scenarios that ship with splitstat, kept as YAML text and read by the same loader as users'
// files, so `splitstat demo` can print one as a starting point for a custom scenario.
import { parseScenarioText } from './scenario.js';
import type { Scenario } from './scenario.js';

/** The demo: a steady 90/10 canary, and a v1alpha1 split that walks traffic over to v2. */
export const DEMO_SCENARIO_YAML = `# splitstat demo scenario: two TrafficSplits in a simulated Linkerd mesh. Most clients run
# today's proxy (2.13 and later name the leaf in 'authority'); one still runs 2.11 (names the apex).
clusterDomain: cluster.local
seed: 42

splits:
  # A canary holding at 10 %. v2 is a little slower and a little less reliable.
  - namespace: default
    name: backend-service
    apiVersion: split.smi-spec.io/v1alpha2
    apex: backend-service
    port: 8080
    backends:
      - service: backend-v1
        weight: 90
        pods: 3
        successRate: 0.999
        latency: { p50: 18ms, p99: 95ms }
      - service: backend-v2
        weight: 10
        pods: 1
        successRate: 0.99
        latency: { p50: 24ms, p99: 140ms }

  # A rollout in Quantity weights, as linkerd-smi stores v1alpha1 splits. The schedule below
  # walks it 95/5 -> 50/50 -> 0/1 -> v2 alone -> back to the start, one step every 30 s.
  - namespace: link
    name: server
    apiVersion: split.smi-spec.io/v1alpha1
    apex: server
    port: 8080
    backends:
      - service: server-v1
        weight: 950m
        pods: 2
        successRate: 1
        latency: { p50: 12ms, p99: 60ms }
      - service: server-v2
        weight: 50m
        pods: 2
        successRate: 0.98
        latency: { p50: 16ms, p99: 85ms }

clients:
  - namespace: default
    workload: deployment/web
    pods: 2
    protocol: http
    proxy: stable-2.17
    calls:
      - split: default/backend-service
        rps: 12
  - namespace: link
    workload: deployment/slow-cooker
    pods: 2
    protocol: http
    proxy: stable-2.17
    calls:
      - split: link/server
        rps: 10
  # A gRPC client from another namespace, on an older proxy: its traffic counts toward
  # link/server too.
  - namespace: default
    workload: deployment/grpc-client
    pods: 1
    protocol: grpc
    proxy: stable-2.11
    calls:
      - split: link/server
        rps: 8
      - split: default/backend-service
        rps: 4

schedule:
  - after: 30s
    split: link/server
    backends: { server-v1: 500m, server-v2: 500m }
  - after: 30s
    split: link/server
    backends: { server-v1: 0, server-v2: 1 }
  - after: 30s
    split: link/server
    backends: { server-v2: 1 }
  - after: 30s
    split: link/server
    backends: { server-v1: 950m, server-v2: 50m }
repeat: true
`;

export const BUILTIN_SCENARIOS: Readonly<Record<string, string>> = { demo: DEMO_SCENARIO_YAML };

/** A built-in scenario by name (default `demo`), parsed and validated like a user's file. */
export function builtinScenario(name = 'demo'): Scenario {
  const text = BUILTIN_SCENARIOS[name];
  if (text === undefined) throw new Error(`no built-in scenario ${JSON.stringify(name)}; available: ${Object.keys(BUILTIN_SCENARIOS).join(', ')}`);
  return parseScenarioText(text, `builtin:${name}.yaml`);
}
