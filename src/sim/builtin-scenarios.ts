// Scenarios that ship with splitstat, kept as YAML text and read by the same loader as users'
// files, so `splitstat demo` can print one as a starting point for a custom scenario.
import { parseScenarioText } from './scenario.js';
import type { Scenario } from './scenario.js';

/**
 * The demo: a steady 90/10 canary, a v1alpha1 split that walks traffic over to v2, a weighted
 * HTTPRoute that a Gateway API canary moves from 80/20 to 50/50 and back, and a canary whose
 * clients run Istio's sidecar instead of Linkerd's.
 */
export const DEMO_SCENARIO_YAML = `# splitstat demo scenario: three TrafficSplits and a weighted HTTPRoute in a simulated cluster.
# Most clients run today's Linkerd proxy (2.13 and later name the leaf in 'authority'; 2.16 and
# later route by HTTPRoute and count its traffic per route backend); one still runs 2.11 (names the
# apex); the shop namespace runs Istio.
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

  # A Gateway API HTTPRoute on the Service web-svc, weighted as a Gateway API canary (Flagger, Argo
  # Rollouts) weights it: 80/20, moved to 50/50 for the second minute of every two by the schedule.
  - namespace: default
    name: web-route
    kind: HTTPRoute
    apiVersion: gateway.networking.k8s.io/v1
    apex: web-svc
    port: 8080
    backends:
      - service: web-v1
        weight: 80
        pods: 2
        successRate: 0.998
        latency: { p50: 30ms, p99: 180ms }
      - service: web-v2
        weight: 20
        pods: 1
        successRate: 0.985
        latency: { p50: 40ms, p99: 320ms }

  # A canary in a namespace whose clients run Istio's sidecar (mesh: istio below): splitstat reads
  # their istio_requests_total beside the Linkerd proxies' metrics (--mesh auto).
  - namespace: shop
    name: checkout
    apiVersion: split.smi-spec.io/v1alpha4
    apex: checkout
    port: 8080
    backends:
      - service: checkout-v1
        weight: 75
        pods: 2
        successRate: 0.997
        latency: { p50: 22ms, p99: 120ms }
      - service: checkout-v2
        weight: 25
        pods: 1
        successRate: 0.97
        latency: { p50: 20ms, p99: 260ms }

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
  # HTTPRoutes need a proxy from Linkerd 2.16 on, which only stable-2.17 is here.
  - namespace: default
    workload: deployment/frontend
    pods: 2
    protocol: http
    proxy: stable-2.17
    calls:
      - split: default/web-route
        rps: 10

  - namespace: shop
    workload: deployment/storefront
    pods: 2
    protocol: http
    mesh: istio
    calls:
      - split: shop/checkout
        rps: 8

schedule:
  - after: 30s
    split: link/server
    backends: { server-v1: 500m, server-v2: 500m }
  - after: 30s
    split: link/server
    backends: { server-v1: 0, server-v2: 1 }
  # 0s: together with the step above, so the cycle stays two minutes.
  - after: 0s
    split: default/web-route
    backends: { web-v1: 50, web-v2: 50 }
  - after: 30s
    split: link/server
    backends: { server-v2: 1 }
  - after: 30s
    split: link/server
    backends: { server-v1: 950m, server-v2: 50m }
  - after: 0s
    split: default/web-route
    backends: { web-v1: 80, web-v2: 20 }
repeat: true
`;

export const BUILTIN_SCENARIOS: Readonly<Record<string, string>> = { demo: DEMO_SCENARIO_YAML };

/** A built-in scenario by name (default `demo`), parsed and validated like a user's file. */
export function builtinScenario(name = 'demo'): Scenario {
  const text = BUILTIN_SCENARIOS[name];
  if (text === undefined) throw new Error(`no built-in scenario ${JSON.stringify(name)}; available: ${Object.keys(BUILTIN_SCENARIOS).join(', ')}`);
  return parseScenarioText(text, `builtin:${name}.yaml`);
}
