// Times each query's execution into QueryTimings. Timed-out queries count (at their timeout):
// they are what a user waited for. Queries the limits refuse before running are not executed, so
// they are counted in splitstat_graphql_refusals_total only.
import { getOperationAST, OperationTypeNode } from 'graphql';
import type { ExecutionArgs } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { QueryTimings } from './query-timings.js';

export function useQueryTimings({ timings = new QueryTimings() }: { timings?: QueryTimings } = {}): Plugin {
  return {
    onExecute({ args }) {
      // envelop types the arguments loosely; they are graphql-js's own.
      const { document, operationName } = args as ExecutionArgs;
      if (getOperationAST(document, operationName)?.operation !== OperationTypeNode.QUERY) return undefined;
      const started = performance.now();
      return {
        onExecuteDone() {
          timings.observe((performance.now() - started) / 1000);
        },
      };
    },
  };
}
