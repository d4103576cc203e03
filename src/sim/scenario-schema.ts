// The scenario file's shape (zod), with defaults and per-field messages. Cross-references between
// sections (a client calling an unknown split, a schedule step naming an unknown backend) are
// checked in scenario-references.ts, after the shape is known to be right.
import { z } from 'zod';
import { parseGoDuration } from '../go/index.js';
import { parseQuantity, quantityToNumber } from '../splits/index.js';

/**
 * The Linkerd proxy a client pod runs, which decides how its metrics are labelled
 * (linkerd-exposition.ts): 2.8 and 2.11 name the apex in `authority`, 2.17 the leaf.
 */
export const PROXY_VERSIONS = ['stable-2.8', 'stable-2.11', 'stable-2.17'] as const;
export type ProxyVersion = (typeof PROXY_VERSIONS)[number];

/** The mesh a client pod's sidecar belongs to, which decides which page it serves. */
export const CLIENT_MESHES = ['linkerd', 'istio', 'osm', 'consul'] as const;
export type ClientMesh = (typeof CLIENT_MESHES)[number];

/** What a split is in the simulated cluster: an SMI TrafficSplit, or a weighted HTTPRoute on its apex. */
export const SPLIT_KIND_NAMES = ['TrafficSplit', 'HTTPRoute'] as const;
export type ScenarioSplitKind = (typeof SPLIT_KIND_NAMES)[number];

export const SPLIT_API_VERSIONS = [
  'split.smi-spec.io/v1alpha1',
  'split.smi-spec.io/v1alpha2',
  'split.smi-spec.io/v1alpha3',
  'split.smi-spec.io/v1alpha4',
] as const;
export type SplitApiVersion = (typeof SPLIT_API_VERSIONS)[number];

/** Gateway API's HTTPRoute (the default) and Linkerd's own copy of it; the proxy reads both alike. */
export const HTTPROUTE_API_VERSIONS = ['gateway.networking.k8s.io/v1', 'policy.linkerd.io/v1beta3'] as const;
export type HttpRouteApiVersion = (typeof HTTPROUTE_API_VERSIONS)[number];

/** Gateway API bounds a backendRef weight to whole numbers 0..1000000. */
export const MAX_HTTPROUTE_WEIGHT = 1_000_000;

/** The only simulated proxy that routes by HTTPRoute and writes route-backend metrics (Linkerd ≥ 2.16). */
export const HTTPROUTE_PROXY: ProxyVersion = 'stable-2.17';

/** Owner kinds a client workload may have; the short forms kubectl accepts are allowed too. */
const WORKLOAD_KINDS: Readonly<Record<string, string>> = {
  deployment: 'deployment',
  deploy: 'deployment',
  statefulset: 'statefulset',
  sts: 'statefulset',
  daemonset: 'daemonset',
  ds: 'daemonset',
  replicaset: 'replicaset',
  rs: 'replicaset',
  job: 'job',
};

/** Type errors that tell a missing key from a wrong one. */
function expected(what: string) {
  return { error: (issue: { readonly input?: unknown }) => (issue.input === undefined ? 'is required' : `must be ${what}`) };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// Service names are DNS-1035 labels: they start with a letter, which also guarantees they are
// never integer-like object keys (so a schedule step's backend map keeps the written order).
const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const namespaceName = z
  .string(expected('a string'))
  .max(63, 'must be at most 63 characters')
  .regex(DNS_LABEL, 'must be a DNS label (lower-case letters, digits and "-")');
const serviceName = z
  .string(expected('a string'))
  .max(63, 'must be at most 63 characters')
  .regex(DNS_1035_LABEL, 'must be a Service name (a DNS label starting with a letter)');
const objectName = z
  .string(expected('a string'))
  .max(253, 'must be at most 253 characters')
  .regex(DNS_SUBDOMAIN, 'must be a DNS subdomain name (lower-case letters, digits, "-" and ".")');

/** A weight as written in the file, and its value for routing. */
export interface WeightSpec {
  /** Exactly what the scenario wrote; it goes into the split's manifest unchanged. */
  readonly asWritten: number | string;
  readonly value: number;
}

const weight = z.unknown().transform((input, ctx): WeightSpec => {
  const fail = (message: string) => {
    ctx.issues.push({ code: 'custom', message, input });
    return z.NEVER;
  };
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) return fail('must be a non-negative number');
    return { asWritten: input, value: input };
  }
  if (typeof input === 'string') {
    const value = quantityValueOf(input);
    if (value === undefined) return fail(`${JSON.stringify(input)} is not a Kubernetes quantity (e.g. 1, 500m, 1.5k)`);
    if (value < 0) return fail('must not be negative');
    return { asWritten: input, value };
  }
  return fail('must be a number or a Kubernetes quantity string such as "500m"');
});

function duration(what: string, { positive }: { positive: boolean }) {
  return z.unknown().transform((input, ctx): number => {
    const fail = (message: string) => {
      ctx.issues.push({ code: 'custom', message, input });
      return z.NEVER;
    };
    if (typeof input !== 'string') return fail(`${what} must be a Go duration string such as "30s" or "250ms"`);
    let ms: number;
    try {
      ms = parseGoDuration(input);
    } catch (error) {
      return fail(error instanceof Error ? error.message : String(error));
    }
    if (ms < 0 || (positive && ms === 0)) return fail(`${what} must be ${positive ? 'positive' : 'zero or positive'}`);
    return ms;
  });
}

const latency = z
  .strictObject({
    p50: duration('p50', { positive: true }),
    p99: duration('p99', { positive: true }),
  })
  .transform(({ p50, p99 }) => ({ p50Ms: p50, p99Ms: p99 }));

const count = (max: number) =>
  z
    .number(expected('a number'))
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(max, `must be at most ${max}`);

const backend = z.strictObject({
  service: serviceName,
  // Left out: the backend's pods run, but it is not in the split until a schedule step
  // lists it (how a scenario starts a canary that is not there yet).
  weight: weight.optional(),
  pods: count(1000).default(1),
  successRate: z.number(expected('a number')).min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').default(1),
  latency: latency.default({ p50Ms: 10, p99Ms: 50 }),
});

/** Why a weight cannot be an HTTPRoute backendRef's, or undefined when it can. */
export function httpRouteWeightProblem(weight: WeightSpec): string | undefined {
  const { asWritten } = weight;
  if (typeof asWritten === 'number' && Number.isInteger(asWritten) && asWritten >= 0 && asWritten <= MAX_HTTPROUTE_WEIGHT) return undefined;
  return `must be a whole number from 0 to ${MAX_HTTPROUTE_WEIGHT} (an HTTPRoute backendRef weight)`;
}

const ALL_API_VERSIONS = [...SPLIT_API_VERSIONS, ...HTTPROUTE_API_VERSIONS] as const;
const DEFAULT_API_VERSION = { TrafficSplit: 'split.smi-spec.io/v1alpha2', HTTPRoute: 'gateway.networking.k8s.io/v1' } as const;

const splitFields = z.strictObject({
  namespace: namespaceName.default('default'),
  name: objectName,
  kind: z.enum(SPLIT_KIND_NAMES, { error: `must be one of ${SPLIT_KIND_NAMES.join(', ')}` }).default('TrafficSplit'),
  apiVersion: z.enum(ALL_API_VERSIONS, { error: `must be one of ${ALL_API_VERSIONS.join(', ')}` }).optional(),
  apex: serviceName,
  port: z.number(expected('a number')).int('must be a whole number').min(1, 'must be a port (1-65535)').max(65535, 'must be a port (1-65535)').default(8080),
  backends: z.array(backend, expected('a list')).min(1, 'must declare at least one backend'),
});

type SplitFields = z.output<typeof splitFields>;
type SplitCommon = Omit<SplitFields, 'kind' | 'apiVersion'>;
export type SplitShape =
  | (SplitCommon & { readonly kind: 'TrafficSplit'; readonly apiVersion: SplitApiVersion })
  | (SplitCommon & { readonly kind: 'HTTPRoute'; readonly apiVersion: HttpRouteApiVersion });

// The apiVersion's default and the weights' range depend on the kind, so they are checked once the
// fields are read.
const split = splitFields.transform(({ kind, apiVersion, ...common }, ctx): SplitShape => {
  const fail = (path: (string | number)[], message: string, input: unknown) => ctx.issues.push({ code: 'custom', message, input, path });
  if (kind === 'HTTPRoute') {
    common.backends.forEach((backend, j) => {
      const problem = backend.weight === undefined ? undefined : httpRouteWeightProblem(backend.weight);
      if (problem !== undefined) fail(['backends', j, 'weight'], problem, backend.weight?.asWritten);
    });
    const version = apiVersion ?? DEFAULT_API_VERSION.HTTPRoute;
    if (isOneOf(HTTPROUTE_API_VERSIONS, version)) return { ...common, kind, apiVersion: version };
    fail(['apiVersion'], `an HTTPRoute must be one of ${HTTPROUTE_API_VERSIONS.join(', ')}`, apiVersion);
    return z.NEVER;
  }
  const version = apiVersion ?? DEFAULT_API_VERSION.TrafficSplit;
  if (isOneOf(SPLIT_API_VERSIONS, version)) return { ...common, kind, apiVersion: version };
  fail(['apiVersion'], `a TrafficSplit must be one of ${SPLIT_API_VERSIONS.join(', ')}`, apiVersion);
  return z.NEVER;
});

function isOneOf<T extends string>(values: readonly T[], value: string): value is T {
  return (values as readonly string[]).includes(value);
}

/** `namespace/name`, or a bare `name` resolved against a default namespace later. */
export interface SplitRef {
  readonly namespace: string | undefined;
  readonly name: string;
}

const splitRef = z.string(expected('a string "namespace/name"')).transform((text, ctx): SplitRef => {
  const parts = text.split('/');
  const [first, second] = parts;
  if (parts.length === 1 && first !== undefined && DNS_SUBDOMAIN.test(first)) return { namespace: undefined, name: first };
  if (parts.length === 2 && first !== undefined && second !== undefined && DNS_LABEL.test(first) && DNS_SUBDOMAIN.test(second)) {
    return { namespace: first, name: second };
  }
  ctx.issues.push({ code: 'custom', message: `${JSON.stringify(text)} is not "namespace/name" of a split`, input: text });
  return z.NEVER;
});

const workloadRef = z.string(expected('a string "kind/name"')).transform((text, ctx) => {
  const [kind, name, ...rest] = text.split('/');
  const canonicalKind = WORKLOAD_KINDS[kind?.toLowerCase() ?? ''];
  if (rest.length > 0 || name === undefined || canonicalKind === undefined || !DNS_SUBDOMAIN.test(name)) {
    ctx.issues.push({
      code: 'custom',
      message: `${JSON.stringify(text)} is not "kind/name" with kind one of deployment, statefulset, daemonset, replicaset, job`,
      input: text,
    });
    return z.NEVER;
  }
  return { kind: canonicalKind, name };
});

const client = z.strictObject({
  namespace: namespaceName.default('default'),
  workload: workloadRef,
  pods: count(10_000).default(1),
  protocol: z.enum(['http', 'grpc'], { error: 'must be http or grpc' }).default('http'),
  mesh: z.enum(CLIENT_MESHES, { error: `must be one of ${CLIENT_MESHES.join(', ')}` }).default('linkerd'),
  proxy: z.enum(PROXY_VERSIONS, { error: `must be one of ${PROXY_VERSIONS.join(', ')}` }).optional(),
  calls: z
    .array(
      z.strictObject({
        split: splitRef,
        rps: z.number(expected('a number')).min(0, 'must not be negative').refine(Number.isFinite, 'must be finite'),
      }),
      expected('a list'),
    )
    .min(1, 'must list at least one call'),
});

const scheduleStep = z.strictObject({
  after: duration('after', { positive: false }),
  split: splitRef,
  backends: z.record(serviceName, weight, expected('a map of backend service to weight')),
});

export const scenarioShape = z.strictObject(
  {
    clusterDomain: objectName.default('cluster.local'),
    seed: z.number(expected('a number')).int('must be a whole number').min(0, 'must not be negative').max(Number.MAX_SAFE_INTEGER).default(1),
    splits: z.array(split, expected('a list')).default([]),
    clients: z.array(client, expected('a list')).default([]),
    schedule: z.array(scheduleStep, expected('a list')).default([]),
    repeat: z.boolean(expected('true or false')).default(false),
  },
  { error: 'a scenario must be a YAML mapping' },
);

export type ScenarioShape = z.output<typeof scenarioShape>;

/** The value of a Quantity string, or undefined when it is not one (only ratios of weights matter here). */
function quantityValueOf(text: string): number | undefined {
  try {
    return quantityToNumber(parseQuantity(text));
  } catch {
    return undefined;
  }
}
