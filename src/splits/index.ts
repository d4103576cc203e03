// The splits stage: the TrafficSplit model, Kubernetes quantities, normalisation of every SMI
// version, and the sources that fill a SplitStore.
export { apiGroupOf, isNoteCode, splitKey } from './model.js';
export type { SplitBackend, SplitIssue, SplitIssueCode, SplitKindName, SplitMatch, SplitRoute, TrafficSplit } from './model.js';
export { SplitStore } from './store.js';
export type { SplitChange, SplitChangeListener } from './store.js';
export { QuantityError, compareQuantities, formatQuantity, parseQuantity, quantityString, quantityToNumber } from './quantity.js';
export type { Quantity, QuantityFormat } from './quantity.js';
export { KNOWN_SPLIT_VERSIONS, SPLIT_API_GROUP, normalizeTrafficSplit } from './normalize.js';
export type { NormalizeOptions, NormalizeResult } from './normalize.js';
export { parseManifestText } from './manifests.js';
export type { ManifestParseResult, ManifestProblem, ParseManifestOptions } from './manifests.js';
export { ManifestSplitSource } from './manifest-source.js';
export type { ManifestSplitSourceOptions } from './manifest-source.js';
export { LabelSelectorError, parseLabelSelector } from './label-selector.js';
export type { LabelSelector, Requirement, RequirementOperator } from './label-selector.js';
export { loadKubeSplits } from './kube-loader.js';
export type { KubeSplits } from './kube-loader.js';
export type { KubeSplitSource, KubeSplitSourceOptions, ServedVersions } from './kube/index.js';
export { selectSplits } from './select.js';
export type { SplitFilter } from './select.js';
export { GATEWAY_HTTP_ROUTE, isOfKind, LINKERD_HTTP_ROUTE, SPLIT_KINDS, splitKindLabel, splitKindOf, TRAFFIC_SPLIT } from './kinds.js';
export { GATEWAY_API_GROUP, LINKERD_POLICY_GROUP, normalizeHttpRoute } from './normalize-httproute.js';
export type { SplitsResult } from './normalize-httproute.js';
export type { SplitKind } from './kinds.js';
export { sharedBackendIssues } from './shared-backends.js';
