// What prom-client's registry reads from a metric of ours (registry.js `getMetricsAsString`):
// the family and its samples, as a promise. Samples computed at read time; a failure to compute
// them rejects that read instead of throwing into the registry.

export interface CollectedSample {
  readonly metricName?: string;
  readonly labels: Readonly<Record<string, string>>;
  value: number;
}

export interface Collected {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter' | 'histogram';
  // How a Node cluster's AggregatorRegistry would combine workers: they add up.
  readonly aggregator: 'sum';
  readonly values: readonly CollectedSample[];
}

export function collected(family: Omit<Collected, 'values' | 'aggregator'>, samples: () => readonly CollectedSample[]): Promise<Collected> {
  try {
    return Promise.resolve({ ...family, aggregator: 'sum', values: samples() });
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
