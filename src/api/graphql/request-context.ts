// What a resolver reads from the GraphQL context: the caller's access, and the budget of the
// answer being built (one per request, shared by every alias of it).
import type { AuthContext } from '../auth/index.js';
import type { AnswerBudget } from './answer-budget.js';

export interface RequestContext extends AuthContext {
  readonly budget: AnswerBudget;
}
