// An answer the budget refused is refused whole: one error and no data, instead of the first
// aliases' data beside a refusal per list the budget ran out in (answer-budget.ts).
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { RequestContext } from './request-context.js';

export function useAnswerBudget(): Plugin<RequestContext> {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args): Promise<ExecutionResult> => {
        const result = (await executeFn(args)) as ExecutionResult;
        const refusal = (args.contextValue as RequestContext).budget.refusal;
        return refusal === undefined ? result : { data: null, errors: [refusal] };
      });
    },
  };
}
