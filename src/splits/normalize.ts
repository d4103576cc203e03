// Turns a TrafficSplit object of any SMI version (as decoded from JSON or YAML, or handed over by
// the Kubernetes API) into the one model every stage uses. Pure: no I/O, nothing thrown.
//
// Only an object that is not a TrafficSplit at all, or one without a name, is refused. Anything
// else wrong with a split (no apex, bad weights, …) is reported in `split.issues` and the split
// is still returned, because a broken split is still routing traffic somewhere and users need to
// see it (`stat ts` showed such splits too).
import { isRecord } from '../util/index.js';
import { splitKey } from './model.js';
import { nameProblems } from './names.js';
import type { SplitBackend, SplitIssue, SplitMatch, TrafficSplit } from './model.js';
import { quantityToNumber } from './quantity.js';
import type { Quantity } from './quantity.js';
import { readWeight } from './weight.js';

export const SPLIT_API_GROUP = 'split.smi-spec.io';
export const KNOWN_SPLIT_VERSIONS: readonly string[] = ['v1alpha1', 'v1alpha2', 'v1alpha3', 'v1alpha4'];
/** Versions whose spec has `matches`; an unknown (newer) version is read as the newest. */
const VERSIONS_WITHOUT_MATCHES: readonly string[] = ['v1alpha1', 'v1alpha2'];

export interface NormalizeOptions {
  /** Namespace for objects without `metadata.namespace` (manifest files often omit it). Default "default". */
  readonly defaultNamespace?: string;
}

export type NormalizeResult = { readonly ok: true; readonly split: TrafficSplit } | { readonly ok: false; readonly error: string };

const ZERO_WEIGHT: Quantity = { mantissa: 0n, exponent: 0, format: 'DecimalSI' };

export function normalizeTrafficSplit(obj: unknown, options: NormalizeOptions = {}): NormalizeResult {
  if (!isRecord(obj)) return { ok: false, error: 'not an object' };
  if (obj.kind !== 'TrafficSplit') return { ok: false, error: `kind ${describe(obj.kind)} is not TrafficSplit` };
  const { apiVersion } = obj;
  if (typeof apiVersion !== 'string' || apiVersion === '') return { ok: false, error: 'TrafficSplit has no apiVersion' };
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  if (group !== SPLIT_API_GROUP) {
    return { ok: false, error: `apiVersion ${JSON.stringify(apiVersion)} is not in the ${SPLIT_API_GROUP} API group` };
  }
  const metadata = isRecord(obj.metadata) ? obj.metadata : undefined;
  if (metadata === undefined) return { ok: false, error: 'TrafficSplit has no metadata' };
  const { name } = metadata;
  if (typeof name !== 'string' || name === '') return { ok: false, error: 'TrafficSplit has no metadata.name' };
  const namespace =
    typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : (options.defaultNamespace ?? 'default');

  const issues: SplitIssue[] = [];
  if (!KNOWN_SPLIT_VERSIONS.includes(version)) {
    issues.push({
      code: 'unknown-version',
      message: `apiVersion ${apiVersion} is not one of ${KNOWN_SPLIT_VERSIONS.map((v) => `${SPLIT_API_GROUP}/${v}`).join(', ')}; read as v1alpha4`,
    });
  }

  const spec = isRecord(obj.spec) ? obj.spec : {};
  const apex = typeof spec.service === 'string' ? spec.service : '';
  if (apex === '') issues.push({ code: 'missing-apex', message: 'spec.service (the apex service) is missing' });

  const backends = readBackends(spec.backends, apex, issues);
  const matches = VERSIONS_WITHOUT_MATCHES.includes(version) ? [] : readMatches(spec.matches);
  for (const message of nameProblems({ namespace, name, services: [apex, ...backends.map((backend) => backend.service)] })) {
    issues.push({ code: 'invalid-name', message });
  }

  return {
    ok: true,
    split: {
      key: splitKey(namespace, name),
      kind: 'TrafficSplit',
      namespace,
      name,
      apiVersion,
      apex,
      backends,
      matches,
      labels: readLabels(metadata.labels),
      issues,
    },
  };
}

/** A backend entry after duplicates are merged, before its weight is judged. */
interface BackendEntry {
  readonly service: string;
  readonly rawWeight: unknown;
  readonly occurrences: number;
}

interface WeighedBackend {
  readonly service: string;
  readonly weight: Quantity | null;
  readonly weightString: string;
  readonly weightValue: number | null;
  /** Whether the weight takes part in the shares: parsed and not negative. */
  readonly countsTowardTotal: boolean;
}

function readBackends(raw: unknown, apex: string, issues: SplitIssue[]): SplitBackend[] {
  if (raw !== undefined && raw !== null && !Array.isArray(raw)) {
    issues.push({ code: 'no-backends', message: 'spec.backends is not a list' });
    return [];
  }
  const entries = mergeDuplicates(Array.isArray(raw) ? (raw as unknown[]) : [], issues);
  const weighed = entries.map((entry) => weigh(entry, apex, issues));

  if (weighed.length === 0) {
    const why = !Array.isArray(raw) ? 'spec.backends is missing' : raw.length === 0 ? 'spec.backends is empty' : 'no entry of spec.backends names a service';
    issues.push({ code: 'no-backends', message: why });
  }

  const counted = weighed.filter((backend) => backend.countsTowardTotal).map((backend) => backend.weight ?? ZERO_WEIGHT);
  // Counted weights are never negative, so they sum to zero only when each of them is zero.
  const allZero = counted.length > 0 && counted.every((weight) => weight.mantissa === 0n);
  if (allZero) {
    issues.push({ code: 'all-zero-weights', message: 'every backend weight is 0, so no backend is meant to receive traffic' });
  }
  const shareOf = counted.length === 0 || allZero ? () => null : shareCalculator(counted);

  return weighed.map(({ countsTowardTotal, ...backend }) => ({
    ...backend,
    weightRatio: countsTowardTotal ? shareOf(backend.weight ?? ZERO_WEIGHT) : null,
  }));
}

/**
 * One entry per service, at the position it first appears, carrying the weight of its last
 * entry: a later entry is the user's newer intent, and Linkerd showed one row with that weight.
 */
function mergeDuplicates(raw: readonly unknown[], issues: SplitIssue[]): BackendEntry[] {
  const entries = new Map<string, BackendEntry>();
  raw.forEach((item, index) => {
    const service = isRecord(item) && typeof item.service === 'string' ? item.service : '';
    if (service === '') {
      // Without a service nothing can be routed to or measured for it; it is left out.
      issues.push({ code: 'missing-backend-service', message: `spec.backends[${index}] has no service; it is ignored` });
      return;
    }
    const previous = entries.get(service);
    const rawWeight = isRecord(item) ? item.weight : undefined;
    entries.set(service, { service, rawWeight, occurrences: (previous?.occurrences ?? 0) + 1 });
  });
  for (const entry of entries.values()) {
    if (entry.occurrences > 1) {
      issues.push({
        code: 'duplicate-backend',
        message: `backend ${entry.service} is listed ${entry.occurrences} times; the weight of the last entry is used`,
        backend: entry.service,
      });
    }
  }
  return [...entries.values()];
}

function weigh(entry: BackendEntry, apex: string, issues: SplitIssue[]): WeighedBackend {
  const { service } = entry;
  if (service === apex) {
    issues.push({
      code: 'backend-is-apex',
      message: `backend ${service} is the apex service itself; its share goes to whatever the apex service selects`,
      backend: service,
    });
  }
  const reading = readWeight(entry.rawWeight);
  switch (reading.kind) {
    case 'missing':
      issues.push({ code: 'missing-weight', message: `backend ${service} has no weight; it counts as 0 (no traffic)`, backend: service });
      return { service, weight: ZERO_WEIGHT, weightString: '0', weightValue: 0, countsTowardTotal: true };
    case 'invalid':
      issues.push({
        code: 'invalid-weight',
        message: `backend ${service} has weight ${JSON.stringify(reading.rawText)}, which is not a number: ${reading.reason}`,
        backend: service,
      });
      return { service, weight: null, weightString: reading.rawText, weightValue: null, countsTowardTotal: false };
    case 'valid': {
      const negative = reading.quantity.mantissa < 0n;
      if (reading.outOfRange !== undefined) {
        issues.push({
          code: 'weight-out-of-range',
          message: `backend ${service} has weight ${JSON.stringify(reading.text)}, out of range for a Kubernetes quantity: ${reading.outOfRange}`,
          backend: service,
        });
      }
      if (negative) {
        issues.push({
          code: 'negative-weight',
          message: `backend ${service} has negative weight ${reading.text}; it is left out of the shares`,
          backend: service,
        });
      }
      return {
        service,
        weight: reading.quantity,
        weightString: reading.text,
        weightValue: reading.value,
        countsTowardTotal: !negative,
      };
    }
  }
}

function readMatches(raw: unknown): SplitMatch[] {
  if (!Array.isArray(raw)) return [];
  return (raw as unknown[]).flatMap((item) =>
    isRecord(item) && typeof item.name === 'string' && item.name !== ''
      ? [{ kind: typeof item.kind === 'string' ? item.kind : '', name: item.name }]
      : [],
  );
}

export function readLabels(raw: unknown): Record<string, string> {
  if (!isRecord(raw)) return {};
  // Kubernetes labels are strings; a YAML author's `version: 2` is read as "2" rather than lost.
  // Object.fromEntries keeps even a `__proto__` key as plain data.
  return Object.fromEntries(
    Object.entries(raw).flatMap(([key, value]): [string, string][] =>
      typeof value === 'string' ? [[key, value]] : typeof value === 'number' || typeof value === 'boolean' ? [[key, String(value)]] : [],
    ),
  );
}

// --- exact shares ----------------------------------------------------------------------------

/** Beyond this spread of exponents exact sums would build enormous integers; doubles will do. */
const MAX_EXACT_EXPONENT_SPREAD = 1000;
/** Significant digits of the exact quotient: enough to land on the double nearest the share. */
const SHARE_SIGNIFICANT_DIGITS = 21;

/**
 * weight / Σ weights, computed exactly and rounded once, so 0.1 of 0.1 + 0.2 is 1/3 rather than
 * 0.33333333333333326. `weights` are non-negative with a positive sum.
 */
function shareCalculator(weights: readonly Quantity[]): (weight: Quantity) => number | null {
  const exponents = weights.map((weight) => weight.exponent);
  const lowest = Math.min(...exponents);
  if (Math.max(...exponents) - lowest > MAX_EXACT_EXPONENT_SPREAD) {
    // Only absurd weights get here (1n next to 1e2000).
    const total = weights.reduce((sum, weight) => sum + quantityToNumber(weight), 0);
    return (weight) => {
      const share = quantityToNumber(weight) / total;
      return Number.isFinite(share) ? share : null;
    };
  }
  const scaled = (weight: Quantity): bigint => weight.mantissa * 10n ** BigInt(weight.exponent - lowest);
  const total = weights.reduce((sum, weight) => sum + scaled(weight), 0n);
  const totalDigits = total.toString().length;
  return (weight) => {
    const numerator = scaled(weight);
    if (numerator === 0n) return 0;
    const shift = SHARE_SIGNIFICANT_DIGITS + Math.max(0, totalDigits - numerator.toString().length);
    return Number(`${(numerator * 10n ** BigInt(shift)) / total}e-${shift}`);
  };
}

// --- narrowing -------------------------------------------------------------------------------

export function describe(value: unknown): string {
  if (value === undefined) return '(missing)';
  try {
    return JSON.stringify(value) ?? typeof value;
  } catch {
    return typeof value;
  }
}
