// Grafana's variable expansion for Prometheus queries, as its Prometheus datasource does it before
// sending a query: the interval variables from the time range and the datasource's scrape interval,
// template variables escaped for where they stand (a single value as it is, several as a regex).

export interface Timing {
  /** The dashboard's time range. */
  readonly rangeMs: number;
  /** The datasource's scrape interval setting (timeInterval). */
  readonly scrapeIntervalMs: number;
  /** Data points a panel asks for at most (its width in pixels, about). */
  readonly maxDataPoints: number;
}

/** $__interval: the range over the points a panel can show, never below the scrape interval. */
export function intervalMs({ rangeMs, scrapeIntervalMs, maxDataPoints }: Timing): number {
  return Math.max(scrapeIntervalMs, Math.ceil(rangeMs / maxDataPoints / 1000) * 1000);
}

/** $__rate_interval: at least four scrapes, and at least one interval plus one scrape. */
export function rateIntervalMs(timing: Timing): number {
  return Math.max(intervalMs(timing) + timing.scrapeIntervalMs, 4 * timing.scrapeIntervalMs);
}

/** A variable's selection: one value, or several (a multi-value variable, or "All"). */
export type Selection = string | readonly string[];

/** Grafana's prometheusSpecialRegexEscape: a value made literal inside a regex in a PromQL string. */
export function regexEscape(value: string): string {
  return value.replace(/\\/g, '\\\\\\\\').replace(/[$^*{}[\]'+?.()|]/g, '\\\\$&');
}

function format(selection: Selection): string {
  if (typeof selection === 'string') return selection;
  const escaped = selection.map(regexEscape);
  return escaped.length === 1 ? (escaped[0] ?? '') : `(${escaped.join('|')})`;
}

export function expand(expr: string, variables: Readonly<Record<string, Selection>>, timing: Timing): string {
  const seconds = (ms: number): string => `${Math.round(ms / 1000)}s`;
  const builtIn: Record<string, string> = {
    __rate_interval: seconds(rateIntervalMs(timing)),
    __interval: seconds(intervalMs(timing)),
    __range: seconds(timing.rangeMs),
  };
  return expr.replace(/\$\{?([a-zA-Z_][a-zA-Z0-9_]*)\}?/g, (whole, name: string) => {
    const value = builtIn[name] ?? (variables[name] === undefined ? undefined : format(variables[name]));
    if (value === undefined) throw new Error(`no value for $${name} in ${expr}`);
    return value;
  });
}
