// Properties of the GraphQL arguments (src/api/graphql/arguments.ts and the queries that read
// them): whatever a client sends for `window`, `namespace`, `names`, `labelSelector`, `kind`,
// `from` or `interval` (any text, or a value of the wrong type), the answer is data or an error the
// client can act on (BAD_USER_INPUT, or a variable refused before execution), never an internal
// error; the data is well-formed; and no answer depends on what other clients asked before.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { BackendStats } from '../../src/stats/index.js';
import { post, setup } from '../helpers/graphql-context.js';
import type { GraphQLResponse } from '../helpers/graphql-context.js';
import { readEventStream } from '../helpers/sse.js';

// fast-check reports the failed assertion's message next to the counterexample.
fc.configureGlobal({ includeErrorInReport: true });

const STATS = 'window windowSeconds successCount failureCount successRate rps latencyMsP50 latencyMsP95 latencyMsP99';
const SPLIT_FIELDS = `namespace name kind apiVersion apex labels { name value } issues { code message backend } stats { ${STATS} }
  backends { service weight weightValue weightRatio observedRatio stats { ${STATS} } }`;

const SPLITS = `query($namespace: String, $names: [String!], $labelSelector: String, $kind: String, $window: String, $from: ClientSelector) {
  trafficSplits(namespace: $namespace, names: $names, labelSelector: $labelSelector, kind: $kind, window: $window, from: $from) { ${SPLIT_FIELDS} }
}`;

const SUBSCRIPTION = `subscription($namespace: String, $names: [String!], $labelSelector: String, $kind: String, $window: String, $from: ClientSelector, $interval: String) {
  trafficSplits(namespace: $namespace, names: $names, labelSelector: $labelSelector, kind: $kind, window: $window, from: $from, interval: $interval) { ${SPLIT_FIELDS} }
}`;

const ONE_SPLIT = `query($namespace: String!, $name: String!, $kind: String, $window: String, $from: ClientSelector) {
  trafficSplit(namespace: $namespace, name: $name, kind: $kind, window: $window, from: $from) { ${SPLIT_FIELDS} }
}`;

// --- generated arguments ------------------------------------------------------------------------

/** Text of any kind, weighted toward what the argument's parser has to tell apart. */
function textLike(...usual: fc.Arbitrary<string>[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.oneof(...usual) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }) },
  );
}

const duration = textLike(
  fc.constantFrom('1m', '15s', '30s', '1h', '0', '-0', '+1m', '1h0m1s', '59m60s', '9223372036854775807ns', '9223372036854775808ns', '1e3s', '.5m', '1.m', '.s', '', ' 1m', '1m ', '1M', '1µs', '1μs'),
  fc.stringMatching(/^[+-]?(([0-9]{0,3}(\.[0-9]{0,2})?|[0-9]{15,25})(ns|us|µs|ms|s|m|h|d|)){0,3}$/),
);
const namespace = textLike(fc.constantFrom('default', 'prod', 'a', 'a-b', '', 'nowhere'));
const name = textLike(fc.constantFrom('web', 'api', 'one', 'two', '', 'missing'));
const labelSelector = textLike(
  fc.constantFrom('app=web', 'app in (web,api),env!=prod', '!legacy', 'a in (', 'a in', '==', 'a<b', '', ' ', 'a,', ',a', 'x notin ()', 'a=b=c'),
  fc.array(fc.constantFrom('app', 'env', '=', '==', '!=', '!', ' in ', ' notin ', '(', ')', ',', ' ', 'web', 'prod', '<', '>'), { maxLength: 8 }).map((parts) => parts.join('')),
);
const kind = textLike(fc.constantFrom('TrafficSplit', 'HTTPRoute', 'trafficsplit', 'httproute', '', 'HTTPRoute.policy.linkerd.io'));
const clientField = textLike(fc.constantFrom('default', 'jobs', 'deployment', 'frontend', 'batch', '', '|', 'a|b'));

/** A variable's value, or now and then a value of another type, which must be refused before execution. */
function variable<T>(usual: fc.Arbitrary<T>): fc.Arbitrary<T | null | undefined | number | boolean | unknown[] | object> {
  return fc.oneof(
    { weight: 12, arbitrary: usual },
    { weight: 2, arbitrary: fc.constantFrom(null, undefined) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 2 }), fc.object({ maxDepth: 1 })) },
  );
}

const from = fc.record({ namespace: variable(clientField), kind: variable(clientField), name: variable(clientField) }, { requiredKeys: [] });

const splitsVariables = fc.record(
  {
    namespace: variable(namespace),
    names: variable(fc.array(variable(name), { maxLength: 3 })),
    labelSelector: variable(labelSelector),
    kind: variable(kind),
    window: variable(duration),
    from: variable(from),
  },
  { requiredKeys: [] },
);

/**
 * Subscription arguments of the right types (a wrong type is refused before any stream starts),
 * the interval always given and the others now and then, so that the interval is often what is read.
 */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.oneof({ weight: 2, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary });
const subscriptionVariables = fc.record({
  namespace: sometimes(namespace),
  names: sometimes(fc.array(name, { maxLength: 2 })),
  labelSelector: sometimes(labelSelector),
  kind: sometimes(kind),
  window: sometimes(duration),
  from: sometimes(fc.record({ namespace: clientField, kind: clientField, name: clientField }, { requiredKeys: [] })),
  interval: duration,
});

const oneSplitVariables = fc.record(
  { namespace: variable(namespace), name: variable(name), kind: variable(kind), window: variable(duration), from: variable(from) },
  { requiredKeys: [] },
);

// --- checks -------------------------------------------------------------------------------------

/** Stats as GraphQL answers them: the service's BackendStats fields (and the window text). */
type StatsOut = BackendStats;

interface SplitOut {
  readonly name: string;
  readonly stats: StatsOut | null;
  readonly backends: readonly { readonly service: string; readonly weightRatio: number | null; readonly observedRatio: number | null; readonly stats: StatsOut | null }[];
}

function assertShare(value: number | null, what: string): void {
  if (value !== null) assert.ok(Number.isFinite(value) && value >= 0 && value <= 1, `${what}: ${value}`);
}

function assertStats(stats: StatsOut | null, what: string): void {
  if (stats === null) return;
  assert.ok(stats.windowSeconds > 0 && Number.isFinite(stats.windowSeconds), `${what}: windowSeconds ${stats.windowSeconds}`);
  assertShare(stats.successRate, `${what}: successRate`);
  for (const field of ['successCount', 'failureCount', 'rps', 'latencyMsP50', 'latencyMsP95', 'latencyMsP99'] as const) {
    assert.ok(Number.isFinite(stats[field]) && stats[field] >= 0, `${what}: ${field} ${stats[field]}`);
  }
  assert.ok(stats.latencyMsP50 <= stats.latencyMsP95 && stats.latencyMsP95 <= stats.latencyMsP99, `${what}: quantiles in order`);
}

function assertSplit(split: SplitOut): void {
  assertStats(split.stats, split.name);
  for (const backend of split.backends) {
    assertShare(backend.weightRatio, `${split.name}/${backend.service} weightRatio`);
    assertShare(backend.observedRatio, `${split.name}/${backend.service} observedRatio`);
    assertStats(backend.stats, `${split.name}/${backend.service}`);
  }
}

/** Data, or errors the client can act on: BAD_USER_INPUT, or a variable refused before execution. */
function assertAnswer(response: GraphQLResponse, logged: readonly unknown[], field: 'trafficSplits' | 'trafficSplit'): void {
  const { status, body } = response;
  for (const error of body.errors ?? []) {
    assert.notEqual(error.message, 'Unexpected error.', 'an internal error reached the client');
    const refusedVariable = status === 400 && error.message.startsWith('Variable "$') && error.extensions?.code === undefined;
    assert.ok(error.extensions?.code === 'BAD_USER_INPUT' || refusedVariable, `${status} ${JSON.stringify(error)}`);
  }
  assert.deepEqual(logged, [], 'nothing was logged as an internal error');
  if (body.errors !== undefined) return;
  assert.equal(status, 200);
  const data: unknown = body.data?.[field];
  const list: unknown = field === 'trafficSplits' ? data : data === null ? [] : [data];
  assert.ok(Array.isArray(list), JSON.stringify(body));
  for (const split of list as readonly SplitOut[]) assertSplit(split);
}

// --- properties -------------------------------------------------------------------------------

describe('GraphQL arguments', { timeout: 60_000 }, () => {
  it('trafficSplits answers data or BAD_USER_INPUT, whatever the arguments', async () => {
    const { yoga, logged } = setup({ graphiql: false });
    await fc.assert(
      fc.asyncProperty(splitsVariables, async (variables) => {
        assertAnswer(await post(yoga, SPLITS, variables), logged, 'trafficSplits');
      }),
      { numRuns: 120 },
    );
  });

  it('trafficSplit answers data or BAD_USER_INPUT, whatever the arguments', async () => {
    const { yoga, logged } = setup({ graphiql: false });
    await fc.assert(
      fc.asyncProperty(oneSplitVariables, async (variables) => {
        assertAnswer(await post(yoga, ONE_SPLIT, variables), logged, 'trafficSplit');
      }),
      { numRuns: 100 },
    );
  });

  it('answers the same, whatever other clients asked before', async () => {
    // Numbers are cached between scrapes: a cached answer must be the one to the same question.
    // Few distinct values, so that different questions meet often: "" and separators are where
    // two selectors could be taken for one another.
    const field = fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 2, arbitrary: fc.constantFrom('', '|') }, { weight: 1, arbitrary: fc.constantFrom('default', 'deployment', 'frontend') });
    const question = fc.record(
      { window: fc.constantFrom(undefined, '1m', '1m', '30s'), from: fc.option(fc.record({ namespace: field, kind: field, name: field }), { nil: undefined }) },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(question, { maxLength: 4 }), question, async (before, last) => {
        const fresh = setup({ graphiql: false });
        const expected = await post(fresh.yoga, SPLITS, last);
        const used = setup({ graphiql: false });
        for (const variables of before) await post(used.yoga, SPLITS, variables);
        assert.deepEqual(await post(used.yoga, SPLITS, last), expected);
      }),
      { numRuns: 25 },
    );
  });

  it('a trafficSplits subscription, interval included, starts with data or BAD_USER_INPUT, whatever the arguments', async (t) => {
    const { yoga, logged } = setup({ graphiql: false });
    await fc.assert(
      fc.asyncProperty(subscriptionVariables, async (variables) => {
        const response = await yoga.fetch('http://localhost/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
          body: JSON.stringify({ query: SUBSCRIPTION, variables }),
        });
        const stream = await readEventStream<GraphQLResponse['body']>(t, response);
        try {
          // The first answer is pushed at once; a rejected argument is that first event.
          assertAnswer({ status: stream.status, body: await stream.next() }, logged, 'trafficSplits');
        } finally {
          await stream.cancel();
        }
      }),
      { numRuns: 100 },
    );
  });
});
