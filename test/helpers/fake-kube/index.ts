// A fake Kubernetes API server for tests (server.ts describes the protocol and the controls).
export { FAKE_TOKEN, FakeKubeServer } from './server.js';
export type { FakeKubeOptions, ObjectRef, RecordedRequest, RequestFilter, RequestVerb, RouteHandler, WriteOptions } from './server.js';
export { isJsonObject, readJsonBody, sendJson, sendStatus, statusObject } from './http.js';
export type { Json, JsonObject } from './http.js';
export { DEPLOYMENTS, PODS, REPLICA_SETS, STATEFUL_SETS, compareVersionPriority, resourceTypeFromCrd } from './resource-types.js';
export type { ResourceType } from './resource-types.js';
export { kubeConfigFor } from './kubeconfig.js';
export type { FakeKubeConfigOptions } from './kubeconfig.js';
export { ownerReferences, pod, replicaSet, trafficSplit } from './objects.js';
export type { OwnerInit, PodInit, ReplicaSetInit, TrafficSplitInit } from './objects.js';
export { waitFor } from './wait.js';
export type { WatchEventType } from './watch-stream.js';
