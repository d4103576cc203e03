// The traffic the Prometheus tests run: the demo's `default/backend-service` split (the authority
// the PromQL in the brief selects) with failures on both backends, a second split in another
// namespace, and enough client pods that each of three shards gets several.
import { parseScenarioText } from '../../src/sim/index.js';
import type { Scenario } from '../../src/sim/index.js';

const SCENARIO = `
seed: 11
splits:
  - namespace: default
    name: backend-service
    apiVersion: split.smi-spec.io/v1alpha2
    apex: backend-service
    port: 8080
    backends:
      - { service: backend-v1, weight: 90, pods: 3, successRate: 0.97, latency: { p50: 18ms, p99: 100ms } }
      - { service: backend-v2, weight: 10, pods: 1, successRate: 0.9, latency: { p50: 25ms, p99: 180ms } }
  - namespace: link
    name: server
    apiVersion: split.smi-spec.io/v1alpha1
    apex: server
    backends:
      - { service: server-v1, weight: 700m, pods: 2, latency: { p50: 5ms, p99: 40ms } }
      - { service: server-v2, weight: 300m, pods: 1, successRate: 0.95, latency: { p50: 8ms, p99: 60ms } }
clients:
  - namespace: default
    workload: deployment/frontend
    pods: 5
    calls:
      - { split: default/backend-service, rps: 20 }
  - namespace: link
    workload: deployment/slow-cooker
    pods: 4
    protocol: grpc
    calls:
      - { split: link/server, rps: 15 }
      - { split: default/backend-service, rps: 5 }
  - namespace: batch
    workload: statefulset/loader
    pods: 3
    calls:
      - { split: link/server, rps: 10 }
`;

export function prometheusScenario(): Scenario {
  return parseScenarioText(SCENARIO);
}
