// How often each GraphQL limit refused a request, for splitstat_graphql_refusals_total: a limit
// that is hit should show on a dashboard, not only in the one client that got the error.

/** Every limit that can refuse a GraphQL request, so each has a series from the start. */
export const GRAPHQL_LIMITS = ['tokens', 'depth', 'aliases', 'cost', 'answer-size', 'timeout'] as const;

export type GraphQLLimit = (typeof GRAPHQL_LIMITS)[number];

export class RefusalTally {
  readonly #counts = new Map<GraphQLLimit, number>(GRAPHQL_LIMITS.map((limit) => [limit, 0]));

  count(limit: GraphQLLimit): void {
    this.#counts.set(limit, (this.#counts.get(limit) ?? 0) + 1);
  }

  entries(): [GraphQLLimit, number][] {
    return [...this.#counts];
  }
}
