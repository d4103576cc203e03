// Bounds each query's execution: after timeoutMs the client gets a TIMEOUT error (HTTP 504)
// instead of a hung connection. The abandoned execution's late result is dropped. Subscriptions
// are long-lived by design and bound each tick themselves (subscribe-traffic-splits.ts).
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { RefusalTally } from './refusal-tally.js';
import { timeoutError, withTimeout } from './timeout.js';

export function useRequestTimeout({ timeoutMs = 10_000, refusals = new RefusalTally() }: { timeoutMs?: number; refusals?: RefusalTally } = {}): Plugin {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args): Promise<ExecutionResult> => {
        const timeout = timeoutError(timeoutMs);
        try {
          return await withTimeout(Promise.resolve(executeFn(args)), timeoutMs, () => timeout);
        } catch (error) {
          if (error === timeout) {
            refusals.count('timeout');
            return { data: null, errors: [timeout] };
          }
          throw error;
        }
      });
    },
  };
}
