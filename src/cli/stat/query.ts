// `stat ts` over splitstat's GraphQL API: the query, its variables from a StatRequest, and the
// answer → StatRows (validated, `--to` applied, named splits that do not exist reported).
import { z } from 'zod';
import type { BackendStats, StatRow } from '../../stats/index.js';
import type { DestinationFilter, StatRequest } from './args.js';

const SPLIT_FIELDS = `namespace
    name
    apex
    backends {
      service
      weight
      weightValue
      weightRatio
      observedRatio
      stats { windowSeconds successCount failureCount successRate rps latencyMsP50 latencyMsP95 latencyMsP99 }
    }`;

export const TRAFFIC_SPLITS_QUERY = `query StatTrafficSplits($namespace: String, $names: [String!], $labelSelector: String, $kind: String, $window: String, $from: ClientSelector) {
  trafficSplits(namespace: $namespace, names: $names, labelSelector: $labelSelector, kind: $kind, window: $window, from: $from) {
    ${SPLIT_FIELDS}
  }
}`;

/**
 * The query a splitstat from before HTTPRoute splits answers (it has no `kind` argument, and
 * serves TrafficSplits only): `stat ts` falls back to it.
 */
export const LEGACY_TRAFFIC_SPLITS_QUERY = `query StatTrafficSplits($namespace: String, $names: [String!], $labelSelector: String, $window: String, $from: ClientSelector) {
  trafficSplits(namespace: $namespace, names: $names, labelSelector: $labelSelector, window: $window, from: $from) {
    ${SPLIT_FIELDS}
  }
}`;

/** Whether a GraphQL error says the server's schema has no `kind` argument. */
export function isUnknownKindArgument(error: unknown): boolean {
  return error instanceof Error && /Unknown argument "kind"/.test(error.message);
}

/** Only what was asked for; absent variables take the schema's defaults. */
export function trafficSplitsVariables(request: StatRequest): Record<string, unknown> {
  return {
    ...(request.namespace === null ? {} : { namespace: request.namespace }),
    ...(request.names === null ? {} : { names: request.names }),
    // Linkerd looked named splits up directly, ignoring the selector; so does this.
    ...(request.labelSelector === null || request.names !== null ? {} : { labelSelector: request.labelSelector }),
    kind: request.kind,
    window: request.window.text,
    ...(request.from === null ? {} : { from: request.from }),
  };
}

const statsSchema = z.object({
  windowSeconds: z.number(),
  successCount: z.number(),
  failureCount: z.number(),
  successRate: z.number(),
  rps: z.number(),
  latencyMsP50: z.number(),
  latencyMsP95: z.number(),
  latencyMsP99: z.number(),
});

const splitSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  apex: z.string(),
  backends: z.array(
    z.object({
      service: z.string(),
      weight: z.string(),
      weightValue: z.number().nullable(),
      weightRatio: z.number().nullable(),
      observedRatio: z.number().nullable(),
      stats: statsSchema.nullable(),
    }),
  ),
});

const dataSchema = z.object({ trafficSplits: z.array(splitSchema) });

export type TrafficSplitAnswer = z.infer<typeof splitSchema>;

export class StatAnswerError extends Error {
  override readonly name = 'StatAnswerError';
}

/** Validates the query's `data`; a server that answers another shape gets a precise message. */
export function parseTrafficSplitsData(data: unknown, label: string): TrafficSplitAnswer[] {
  const parsed = dataSchema.safeParse(data);
  if (parsed.success) return parsed.data.trafficSplits;
  const issue = parsed.error.issues[0];
  const where = issue === undefined ? '' : issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('');
  throw new StatAnswerError(`${label} answered an unexpected shape: data${where}: ${issue?.message ?? 'invalid'}`);
}

/** How a missing named split is called: the Kubernetes lister's `resource.group` of its kind. */
export const RESOURCE_OF_KIND: Readonly<Record<StatRequest['kind'], string>> = {
  TrafficSplit: 'trafficsplit.split.smi-spec.io',
  HTTPRoute: 'httproute',
};

/**
 * A named split that does not exist is an error, as in Linkerd (whose message came from the
 * Kubernetes lister: `trafficsplit.split.smi-spec.io "NAME" not found`).
 */
export function checkNamedSplitsFound(splits: readonly TrafficSplitAnswer[], request: StatRequest): void {
  if (request.names === null) return;
  // `<route>@<service>` splits (a route attached to several Services) answer for `<route>` too.
  const found = new Set(
    splits.filter((split) => request.namespace === null || split.namespace === request.namespace).flatMap((split) => [split.name, split.name.split('@')[0] ?? split.name]),
  );
  const missing = request.names.filter((name) => !found.has(name));
  if (missing.length === 0) return;
  const quoted = missing.map((name) => JSON.stringify(name)).join(', ');
  throw new StatAnswerError(`${RESOURCE_OF_KIND[request.kind]} ${quoted} not found in namespace ${JSON.stringify(request.namespace)}`);
}

/** One row per backend, as the renderer wants them; `--to` leaves numbers only where it matches. */
export function statRowsFromAnswer(splits: readonly TrafficSplitAnswer[], to: DestinationFilter | null): StatRow[] {
  return splits.flatMap((split) =>
    split.backends.map((backend): StatRow => {
      const stats = matches(to, split.namespace, backend.service) ? backendStats(backend.stats) : null;
      return {
        namespace: split.namespace,
        name: split.name,
        apex: split.apex,
        leaf: backend.service,
        weight: backend.weight,
        weightValue: backend.weightValue,
        weightRatio: backend.weightRatio,
        observedRatio: stats === null ? null : backend.observedRatio,
        stats,
      };
    }),
  );
}

function matches(to: DestinationFilter | null, namespace: string, service: string): boolean {
  if (to === null) return true;
  return (to.namespace === null || to.namespace === namespace) && (to.service === null || to.service === service);
}

/** No requests means no numbers (`-`), even if a server sent zeros. */
function backendStats(stats: z.infer<typeof statsSchema> | null): BackendStats | null {
  if (stats === null || stats.successCount + stats.failureCount <= 0) return null;
  return {
    successCount: stats.successCount,
    failureCount: stats.failureCount,
    successRate: stats.successRate,
    rps: stats.rps,
    latencyMsP50: stats.latencyMsP50,
    latencyMsP95: stats.latencyMsP95,
    latencyMsP99: stats.latencyMsP99,
    windowSeconds: stats.windowSeconds,
  };
}
