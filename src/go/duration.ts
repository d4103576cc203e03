// Go duration strings (`30s`, `1m30s`, `1.5h`, `300ms`) as used by `-t/--time-window`, the
// GraphQL `window` argument and scenario files. Same grammar as Go's time.ParseDuration.

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A duration as the user typed it, with its length: the text is kept for echoing it back. */
export interface Duration {
  readonly text: string;
  readonly ms: number;
}

export class DurationError extends Error {
  override readonly name = 'DurationError';
}

/** Parses a Go duration string into milliseconds; throws DurationError on anything Go rejects. */
export function parseGoDuration(text: string): number {
  const invalid = () => new DurationError(`time: invalid duration ${JSON.stringify(text)}`);
  let rest = text;
  let sign = 1;
  if (rest.startsWith('-') || rest.startsWith('+')) {
    if (rest.startsWith('-')) sign = -1;
    rest = rest.slice(1);
  }
  if (rest === '0') return 0;
  if (rest === '') throw invalid();
  let total = 0;
  const part = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest !== '') {
    const match = part.exec(rest);
    if (match === null) {
      const number = /^(\d+\.?\d*|\.\d+)/.exec(rest);
      if (number === null) throw invalid();
      const unit = /^[^\d.]*/.exec(rest.slice(number[0].length))?.[0] ?? '';
      if (unit === '') throw new DurationError(`time: missing unit in duration ${JSON.stringify(text)}`);
      throw new DurationError(`time: unknown unit ${JSON.stringify(unit)} in duration ${JSON.stringify(text)}`);
    }
    const [whole, amount, unit] = match as unknown as [string, string, string];
    total += Number(amount) * (UNIT_MS[unit] ?? Number.NaN);
    rest = rest.slice(whole.length);
  }
  if (!Number.isFinite(total)) throw invalid();
  return sign * total;
}
