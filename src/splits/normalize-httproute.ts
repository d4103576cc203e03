// Turns a weighted HTTPRoute attached to Services (Gateway API's GAMMA mesh routing, as Linkerd
// 2.14+ and Flagger use it) into the split model. Pure: no I/O, nothing thrown.
//
// How a route maps to splits (README: HTTPRoute splits):
// - One split per Service the route is attached to (`parentRefs` with `kind: Service` and group
//   `core` or ""). Its apex is that Service. The split is named after the route; when the route
//   has several Service parents each split is named `<route>@<service>`, which no Kubernetes name
//   can be, so that every split keeps a name of its own. Several parentRefs to one Service (other
//   ports) are one split: the proxy's route metrics count the route's traffic to that Service.
// - A parentRef to a Service of another namespace (a consumer route) is not read, with an issue.
//   Gateways and other parents are not mesh traffic and make no split.
// - Backends are the backendRefs of all rules, first seen first. The proxy labels its metrics with
//   the route, not the rule, so observed shares are over all rules. A backend's configured share
//   is its share within each rule that has backends, averaged over those rules (its weight in a
//   rule that does not list it counts as 0); with one rule (the usual canary) it is simply
//   weight / Σ weights. Several such rules are reported (`several-rules`), since that average
//   assumes the rules are equally busy.
// - Gateway API defaults: a backendRef without weight has weight 1; weight 0 sends no traffic.
//   Two backendRefs to one Service in one rule add their weights.
// - A route is a split when it is weighted: it names at least two backends, or gives a weight
//   other than 1. A route with one backend of weight 1 (the default the CRD fills in) is plain
//   routing and makes no split.
import { isRecord } from '../util/index.js';
import { apiGroupOf, splitKey } from './model.js';
import type { SplitBackend, SplitIssue, TrafficSplit } from './model.js';
import { nameProblems } from './names.js';
import { describe, readLabels } from './normalize.js';
import type { NormalizeOptions } from './normalize.js';
import { readWeight } from './weight.js';

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
export const LINKERD_POLICY_GROUP = 'policy.linkerd.io';
export const GATEWAY_HTTPROUTE_VERSIONS: readonly string[] = ['v1alpha2', 'v1beta1', 'v1'];
export const LINKERD_HTTPROUTE_VERSIONS: readonly string[] = ['v1alpha1', 'v1beta1', 'v1beta2', 'v1beta3'];
const HTTPROUTE_GROUPS: readonly string[] = [GATEWAY_API_GROUP, LINKERD_POLICY_GROUP];
/** Gateway API's bound on a backendRef weight. */
const MAX_WEIGHT = 1_000_000;

export type SplitsResult = { readonly ok: true; readonly splits: readonly TrafficSplit[] } | { readonly ok: false; readonly error: string };

interface ServiceParent {
  readonly service: string;
}

/** One backendRef of one rule, as read. */
interface RuleBackend {
  readonly service: string;
  readonly weight: number | null;
  readonly weightText: string;
}

export function normalizeHttpRoute(obj: unknown, options: NormalizeOptions = {}): SplitsResult {
  if (!isRecord(obj)) return { ok: false, error: 'not an object' };
  if (obj.kind !== 'HTTPRoute') return { ok: false, error: `kind ${describe(obj.kind)} is not HTTPRoute` };
  const { apiVersion } = obj;
  if (typeof apiVersion !== 'string' || apiVersion === '') return { ok: false, error: 'HTTPRoute has no apiVersion' };
  const group = apiGroupOf(apiVersion);
  if (!HTTPROUTE_GROUPS.includes(group)) {
    return { ok: false, error: `apiVersion ${JSON.stringify(apiVersion)} is not in the ${HTTPROUTE_GROUPS.join(' or ')} API group` };
  }
  const metadata = isRecord(obj.metadata) ? obj.metadata : undefined;
  if (metadata === undefined) return { ok: false, error: 'HTTPRoute has no metadata' };
  const { name } = metadata;
  if (typeof name !== 'string' || name === '') return { ok: false, error: 'HTTPRoute has no metadata.name' };
  const namespace =
    typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : (options.defaultNamespace ?? 'default');
  const spec = isRecord(obj.spec) ? obj.spec : {};

  const issues: SplitIssue[] = [];
  const { parents, foreign } = readParents(spec.parentRefs, namespace, issues);
  if (parents.length === 0) {
    // Attached to Gateways only (north-south traffic), or to nothing: not a mesh split.
    if (foreign === 0) return { ok: true, splits: [] };
    return { ok: false, error: `every Service in spec.parentRefs is in another namespace than the route's (${namespace}); consumer routes are not read` };
  }
  const rules = readRules(spec.rules, namespace, issues);
  const distinct = new Set(rules.flat().map((backend) => backend.service));
  // The Gateway API CRD writes weight 1 into every backendRef without one, so only another weight
  // tells a one-backend route from plain routing.
  if (distinct.size < 2 && rules.flat().every((backend) => backend.weightText === '1')) return { ok: true, splits: [] };

  const backends = combineRules(rules, issues);
  for (const message of nameProblems({ namespace, name, services: [...parents.map((parent) => parent.service), ...backends.map((backend) => backend.service)] })) {
    issues.push({ code: 'invalid-name', message });
  }
  const labels = readLabels(metadata.labels);
  const splits = parents.map(({ service }): TrafficSplit => {
    const splitName = parents.length === 1 ? name : `${name}@${service}`;
    return {
      key: splitKey(namespace, splitName, 'HTTPRoute', group),
      kind: 'HTTPRoute',
      namespace,
      name: splitName,
      apiVersion,
      route: { group, name },
      apex: service,
      backends,
      matches: [],
      labels,
      issues,
    };
  });
  return { ok: true, splits };
}

function readParents(raw: unknown, namespace: string, issues: SplitIssue[]): { parents: ServiceParent[]; foreign: number } {
  const parents: ServiceParent[] = [];
  let foreign = 0;
  for (const ref of Array.isArray(raw) ? (raw as unknown[]) : []) {
    if (!isRecord(ref) || !isServiceRef(ref, false)) continue;
    const service = typeof ref.name === 'string' ? ref.name : '';
    if (service === '') continue;
    const parentNamespace = typeof ref.namespace === 'string' && ref.namespace !== '' ? ref.namespace : namespace;
    if (parentNamespace !== namespace) {
      foreign++;
      issues.push({ code: 'cross-namespace-parent', message: `parentRef Service ${parentNamespace}/${service} is in another namespace; it is not read` });
      continue;
    }
    if (!parents.some((parent) => parent.service === service)) parents.push({ service });
  }
  return { parents, foreign };
}

/** `group: core` or "" with `kind: Service`; kind defaults to Gateway for parents, Service for backends. */
function isServiceRef(ref: Readonly<Record<string, unknown>>, backend: boolean): boolean {
  const group = ref.group ?? (backend ? '' : GATEWAY_API_GROUP);
  const kind = ref.kind ?? (backend ? 'Service' : 'Gateway');
  return (group === '' || group === 'core') && kind === 'Service';
}

function readRules(raw: unknown, namespace: string, issues: SplitIssue[]): RuleBackend[][] {
  const rules: RuleBackend[][] = [];
  (Array.isArray(raw) ? (raw as unknown[]) : []).forEach((rule, ruleIndex) => {
    const refs = isRecord(rule) && Array.isArray(rule.backendRefs) ? (rule.backendRefs as unknown[]) : [];
    const backends: RuleBackend[] = [];
    refs.forEach((ref, refIndex) => {
      const where = `spec.rules[${ruleIndex}].backendRefs[${refIndex}]`;
      if (!isRecord(ref)) return;
      const service = typeof ref.name === 'string' ? ref.name : '';
      if (service === '') {
        issues.push({ code: 'missing-backend-service', message: `${where} has no name; it is ignored` });
        return;
      }
      const refNamespace = typeof ref.namespace === 'string' && ref.namespace !== '' ? ref.namespace : namespace;
      if (!isServiceRef(ref, true) || refNamespace !== namespace) {
        const what = isServiceRef(ref, true) ? `Service ${refNamespace}/${service} of another namespace` : `${describe(ref.kind)} ${service}`;
        issues.push({ code: 'unsupported-backend', message: `${where} is a ${what}; only Services of the route's namespace are measured`, backend: service });
        return;
      }
      backends.push({ service, ...readRouteWeight(ref.weight, service, issues) });
    });
    if (backends.length > 0) rules.push(backends);
  });
  return rules;
}

function readRouteWeight(raw: unknown, service: string, issues: SplitIssue[]): { weight: number | null; weightText: string } {
  if (raw === undefined || raw === null) return { weight: 1, weightText: '1' };
  const reading = readWeight(raw);
  if (reading.kind === 'valid' && Number.isInteger(reading.value) && reading.value >= 0 && reading.value <= MAX_WEIGHT) {
    return { weight: reading.value, weightText: String(reading.value) };
  }
  const text = reading.kind === 'valid' ? reading.text : reading.kind === 'invalid' ? reading.rawText : '';
  const negative = reading.kind === 'valid' && reading.value < 0;
  issues.push({
    code: negative ? 'negative-weight' : 'invalid-weight',
    message: `backend ${service} has weight ${JSON.stringify(text)}, which is not an integer from 0 to ${MAX_WEIGHT}; it is left out of the shares`,
    backend: service,
  });
  return { weight: null, weightText: text };
}

/** The rules' backends as one list, with each backend's mean share over the rules (see the head comment). */
function combineRules(rules: readonly (readonly RuleBackend[])[], issues: SplitIssue[]): SplitBackend[] {
  if (rules.length === 0) {
    issues.push({ code: 'no-backends', message: 'no rule has a backendRef to a Service' });
    return [];
  }
  if (rules.length > 1) {
    issues.push({
      code: 'several-rules',
      message: `${rules.length} rules send traffic; the proxy counts them together, so each backend's configured share is its mean share over the rules`,
    });
  }
  const order: string[] = [];
  const weightTexts = new Map<string, string[]>();
  // A backend with a bad weight anywhere is left out of the shares everywhere: its other
  // entries must not count in any rule's total either, or the shares would not add up to 1.
  const invalid = new Set(rules.flatMap((rule) => rule.filter((backend) => backend.weight === null).map((backend) => backend.service)));
  const shareSums = new Map<string, number>();
  let sharedRules = 0;
  for (const rule of rules) {
    const inRule = new Map<string, number>();
    for (const { service, weight, weightText } of rule) {
      if (!weightTexts.has(service)) order.push(service);
      weightTexts.set(service, [...(weightTexts.get(service) ?? []), weightText]);
      if (weight !== null && !invalid.has(service)) inRule.set(service, (inRule.get(service) ?? 0) + weight);
    }
    for (const service of new Set(rule.map((backend) => backend.service))) {
      const count = rule.filter((backend) => backend.service === service).length;
      if (count > 1) issues.push({ code: 'duplicate-backend', message: `backend ${service} is listed ${count} times in one rule; its weights add up`, backend: service });
    }
    const total = [...inRule.values()].reduce((sum, weight) => sum + weight, 0);
    if (total === 0) continue;
    sharedRules++;
    for (const [service, weight] of inRule) shareSums.set(service, (shareSums.get(service) ?? 0) + weight / total);
  }
  if (sharedRules === 0 && invalid.size < order.length) {
    issues.push({ code: 'all-zero-weights', message: 'every backend weight is 0, so no backend is meant to receive traffic' });
  }
  return order.map((service): SplitBackend => {
    const texts = weightTexts.get(service) ?? [];
    const weightString = texts.join('+');
    const valid = !invalid.has(service);
    const weightValue = valid ? texts.reduce((sum, text) => sum + Number(text), 0) : null;
    const reading = valid ? readWeight(weightValue) : undefined;
    return {
      service,
      weight: reading?.kind === 'valid' ? reading.quantity : null,
      weightString,
      weightValue,
      weightRatio: valid && sharedRules > 0 ? (shareSums.get(service) ?? 0) / sharedRules : null,
    };
  });
}
