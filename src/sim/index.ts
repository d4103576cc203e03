// Public face of the simulated mesh (used by `splitstat demo`, integration tests, benchmarks).
export { Simulator } from './simulator.js';
export type { ClientPodInfo, SimulatorOptions, SplitsChange, SplitsListener } from './simulator.js';
export type { HttpRouteBackendRef, HttpRouteManifest, SplitManifest, TrafficSplitManifest } from './split-manifests.js';
export { CLIENT_MESHES, loadScenarioFile, parseScenarioText, ScenarioError, formatPath } from './scenario.js';
export type {
  BackendScenario,
  CallScenario,
  ClientMesh,
  ClientScenario,
  HttpRouteApiVersion,
  HttpRouteScenario,
  LatencySpec,
  NamespacedName,
  Scenario,
  ScenarioIssue,
  ScenarioSplitKind,
  ScheduleStep,
  SplitApiVersion,
  SplitScenario,
  TrafficSplitScenario,
  WeightSpec,
} from './scenario.js';
export { BUILTIN_SCENARIOS, DEMO_SCENARIO_YAML, builtinScenario } from './builtin-scenarios.js';
export { GroundTruth, latencyBucketsMsOf, Outcomes, TruthSeries } from './ground-truth.js';
export type { ClientPodRef, ClientTruth, LeafTruth, TruthFilter, TruthKey } from './ground-truth.js';
export type { LabelStyle } from './linkerd-exposition.js';
export { ISTIO_LATENCY_BUCKETS_MS, LATENCY_BUCKETS_MS, ROUTE_LATENCY_BUCKETS_MS } from './proxy-counters.js';
export { POD_HEALTH_MODES } from './metrics-server.js';
export type { PodHealth } from './metrics-server.js';
export { feedSimulatedSplits } from './split-feed.js';
export { writeSimulatedCluster } from './cluster-files.js';
export type { SimulatedClusterFiles } from './cluster-files.js';
