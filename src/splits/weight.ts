// Reading one backend's `weight` field, whatever JSON/YAML type it arrived as. Every SMI version
// is read the same way: v1alpha1 declares a Quantity, later versions an integer or number, and
// stores without conversion (linkerd-smi) hand either shape to a reader of any version.
import { parseQuantity, quantityString, quantityToNumber, QuantityError } from './quantity.js';
import type { Quantity } from './quantity.js';

export type WeightReading =
  | {
      readonly kind: 'valid';
      readonly quantity: Quantity;
      /** What Kubernetes prints for it (`900m`, `1k`, and apimachinery's verbatim cases). */
      readonly text: string;
      readonly value: number;
      /** Why Kubernetes does not hold the weight as written (see outOfRange()); absent when it does. */
      readonly outOfRange?: string;
    }
  /** No weight at all (absent or null). Go readers see the zero value: no traffic. */
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly rawText: string; readonly reason: string };

export function readWeight(raw: unknown): WeightReading {
  if (raw === undefined || raw === null) return { kind: 'missing' };
  if (typeof raw === 'number' || typeof raw === 'bigint' || typeof raw === 'string') {
    const rawText = String(raw);
    try {
      // A Quantity field trims surrounding whitespace before parsing (UnmarshalJSON does).
      const quantity = parseQuantity(typeof raw === 'string' ? trimGoSpace(raw) : typeof raw === 'bigint' ? rawText : raw);
      const value = quantityToNumber(quantity);
      // A weight no number can hold (`1e309`) cannot be shown or compared: it is no weight.
      if (!Number.isFinite(value)) return { kind: 'invalid', rawText, reason: 'it is too large to be a weight' };
      const text = quantityString(quantity);
      const why = outOfRange(quantity, text);
      return { kind: 'valid', quantity, text, value, ...(why === undefined ? {} : { outOfRange: why }) };
    } catch (error) {
      if (!(error instanceof QuantityError)) throw error;
      return { kind: 'invalid', rawText, reason: error.message };
    }
  }
  return { kind: 'invalid', rawText: describeRaw(raw), reason: `a weight must be a number or a quantity string, not ${kindOf(raw)}` };
}

/** apimachinery's int64: what `Quantity.Value()` and the destination controller's arithmetic hold. */
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A weight apimachinery changed while parsing (finer than 1n, or a BinarySI value beyond 2^63-1)
 * or one whose value no int64 holds: the cluster stores or uses something other than what was
 * written, without a word. The weight still counts as Kubernetes holds it; the split says so.
 */
function outOfRange(quantity: Quantity, text: string): string | undefined {
  if (quantity.adjusted === 'rounded-to-nano') return `it is finer than 1n, the smallest quantity; Kubernetes rounds it up to ${text}`;
  if (quantity.adjusted === 'capped-at-int64') return `it is above 2^63-1, the largest quantity; Kubernetes caps it at ${text}`;
  const magnitude = quantity.mantissa < 0n ? -quantity.mantissa : quantity.mantissa;
  // |value| > 2^63-1, exactly: exponents are at least -9 after parsing, and 10^19 is beyond it.
  const beyondInt64 =
    quantity.exponent >= 19 ? magnitude !== 0n : quantity.exponent >= 0 ? magnitude * 10n ** BigInt(quantity.exponent) > INT64_MAX : magnitude > INT64_MAX * 10n ** BigInt(-quantity.exponent);
  if (beyondInt64) return 'it is beyond 2^63-1, the largest integer Kubernetes reads a quantity as';
  return undefined;
}

// Go's strings.TrimSpace set (unicode.IsSpace), which differs from String.prototype.trim:
// Go trims U+0085 and keeps U+FEFF.
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const GO_SPACE_AT_ENDS = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'gu');

export function trimGoSpace(text: string): string {
  return text.replace(GO_SPACE_AT_ENDS, '');
}

/** The weight as the user wrote it, near enough: YAML/JSON text for structures, else the value. */
function describeRaw(raw: unknown): string {
  if (typeof raw === 'boolean' || typeof raw === 'symbol' || typeof raw === 'function') return String(raw);
  try {
    return JSON.stringify(raw) ?? typeof raw;
  } catch {
    return typeof raw;
  }
}

function kindOf(raw: unknown): string {
  if (Array.isArray(raw)) return 'a list';
  if (raw instanceof Date) return 'a timestamp';
  if (typeof raw === 'object') return 'an object';
  return `a ${typeof raw}`;
}
