// GraphiQL at GET /graphql (Accept: text/html), from the bundle @graphql-yoga/render-graphiql
// inlines into the page: nothing is fetched from a CDN, so it works in air-gapped clusters and
// behind a port-forward. Subscriptions in it use SSE, like every other client.
import type { GraphiQLOptions } from 'graphql-yoga';

/** What a first-time user sees: the question splitstat exists to answer, ready to run. */
export const DEFAULT_QUERY = `# Is each backend healthy, and does it get its share of traffic?
# weightRatio: configured share. observedRatio: share it served.
# Null stats: no traffic in the window. Run with Ctrl-Enter.
query TrafficSplits($window: String = "1m") {
  trafficSplits(window: $window) {
    namespace
    name
    apex
    stats { successRate rps }
    backends {
      service
      weight
      weightRatio
      observedRatio
      stats {
        successRate
        rps
        latencyMsP50
        latencyMsP95
        latencyMsP99
      }
    }
    issues { code message }
  }
}
`;

export const GRAPHIQL_OPTIONS: GraphiQLOptions = {
  title: 'splitstat',
  defaultQuery: DEFAULT_QUERY,
  subscriptionsProtocol: 'SSE',
};

/**
 * The page, with the bundle loaded on the first request for it: held from start-up, its 9 MB of
 * script cost about 50 MB of resident memory in every process, used or not (BENCHMARKS.md).
 */
export async function renderGraphiQL(options: GraphiQLOptions): Promise<string> {
  const { renderGraphiQL: render } = await import('@graphql-yoga/render-graphiql');
  return render(options);
}
