// The GraphQL surface: schema-first (schema/*.graphql is the contract) and served by graphql-yoga,
// with each protection a plugin of its own. Queries and subscriptions (SSE) share one endpoint.
import { createSchema, createYoga } from 'graphql-yoga';
import type { LogLevel, YogaLogger, YogaServerInstance } from 'graphql-yoga';
import { OPEN_GRAPHQL_AUTH } from '../auth/index.js';
import type { GraphQLAuth } from '../auth/index.js';
import type { ServiceContext } from '../context.js';
import { AnswerBudget } from './answer-budget.js';
import { GRAPHQL_ENDPOINT } from './endpoint.js';
import { GRAPHIQL_OPTIONS, renderGraphiQL } from './graphiql.js';
import { renderLandingPage } from './landing-page.js';
import { loadTypeDefs } from './load-schema.js';
import { MASKED_ERRORS } from './masked-errors.js';
import { QueryTimings } from './query-timings.js';
import { RefusalTally } from './refusal-tally.js';
import type { RequestContext } from './request-context.js';
import { createResolvers } from './resolvers.js';
import { useAnswerBudget } from './use-answer-budget.js';
import { useCostLimit } from './use-cost-limit.js';
import { useMaxAliases } from './use-max-aliases.js';
import { useMaxDepth } from './use-max-depth.js';
import { useMaxTokens } from './use-max-tokens.js';
import { useQueryTimings } from './use-query-timings.js';
import { useRequestTimeout } from './use-request-timeout.js';

export { GRAPHQL_ENDPOINT };

export interface GraphQLOptions {
  /** Deepest selection nesting allowed (introspection exempt). */
  readonly maxDepth?: number;
  readonly maxAliases?: number;
  /** graphql-armor's cost estimate (introspection exempt). */
  readonly maxCost?: number;
  /** Longest document, in tokens, that is parsed at all. */
  readonly maxTokens?: number;
  /** Larger request bodies get 413 before any parsing. */
  readonly maxBodyBytes?: number;
  /** Per query; and per tick of a trafficSplits subscription. */
  readonly timeoutMs?: number;
  /** Splits plus backends one answer (a query, a subscription tick) may list. */
  readonly maxAnswerItems?: number;
  /** Where refusals by each limit are counted (splitstat_graphql_refusals_total). */
  readonly refusals?: RefusalTally;
  /** Where query durations are counted (splitstat_graphql_query_duration_seconds). */
  readonly queryTimings?: QueryTimings;
  /** Serve GraphiQL at GET /graphql for browsers. */
  readonly graphiql?: boolean;
  /** A small HTML page pointing to /graphql for browsers on unknown paths (off: an empty 404). */
  readonly landingPage?: boolean;
  /** Where masked internal errors are logged (yoga's logger, or a level of its console logger). */
  readonly logging?: boolean | LogLevel | YogaLogger;
  /** Who the caller is and which namespaces it sees (createAuth's graphqlContext); default: everyone, everything. */
  readonly auth?: GraphQLAuth;
}

/** No extra server context: resolvers close over the ServiceContext instead. */
type NoContext = Record<never, never>;

/**
 * A yoga instance is also a Node request listener, so it mounts on express 5 as is:
 *
 *   app.use(yoga.graphqlEndpoint, yoga);   // '/graphql'
 *
 * Yoga rebuilds the request URL from express's req.originalUrl, so it still sees /graphql and
 * matches its graphqlEndpoint: mount it at that same path (anywhere else it answers 404). Mount
 * it before any body parser (express.json() and friends): yoga reads the raw body itself with its
 * own size limit, and a parser that ran first would consume the stream and apply its own limit.
 * Tests call `yoga.fetch(url, init)` instead, with no socket at all. (The context type must stay
 * empty: a typed server context such as { req, res } no longer type-checks as an express handler.)
 */
export type GraphQLServer = YogaServerInstance<NoContext, RequestContext>;

export function createGraphQL(
  ctx: ServiceContext,
  {
    maxDepth = 10,
    maxAliases = 15,
    maxCost = 5000,
    maxTokens = 1000,
    maxBodyBytes = 1_048_576,
    timeoutMs = 10_000,
    maxAnswerItems = 100_000,
    refusals = new RefusalTally(),
    queryTimings = new QueryTimings(),
    graphiql = true,
    landingPage = false,
    logging = true,
    auth = OPEN_GRAPHQL_AUTH,
  }: GraphQLOptions = {},
): GraphQLServer {
  const budgets = (): AnswerBudget =>
    new AnswerBudget({ maxItems: maxAnswerItems, timeoutMs, deadlineMs: Date.now() + timeoutMs, onLimit: (limit) => refusals.count(limit) });
  return createYoga<NoContext, RequestContext>({
    schema: createSchema<RequestContext>({ typeDefs: loadTypeDefs(), resolvers: createResolvers(ctx, { timeoutMs, budgets }) }),
    // The caller's access and the answer's budget, per request: the only per-request state
    // resolvers read from the GraphQL context. Rejecting here answers 401 (or 503) before any
    // operation runs.
    context: async ({ request }) => ({ ...(await auth(request)), budget: budgets() }),
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    graphiql: graphiql ? GRAPHIQL_OPTIONS : false,
    renderGraphiQL,
    landingPage: landingPage ? renderLandingPage : false,
    maskedErrors: MASKED_ERRORS,
    // Yoga's own limit: a Content-Length above it is refused with 413 before the body is read,
    // and a body without one (chunked) is cut off as soon as it passes the limit.
    maxRequestBodySize: maxBodyBytes,
    // GraphiQL is served from the same origin; no other site's scripts should read split names
    // and traffic through a user's browser (e.g. a port-forward on localhost).
    cors: false,
    logging,
    plugins: [
      useQueryTimings({ timings: queryTimings }),
      useMaxTokens({ maxTokens, refusals }),
      useMaxDepth({ maxDepth, refusals }),
      useMaxAliases({ maxAliases, refusals }),
      useCostLimit({ maxCost, refusals }),
      useAnswerBudget(),
      useRequestTimeout({ timeoutMs, refusals }),
    ],
  });
}
