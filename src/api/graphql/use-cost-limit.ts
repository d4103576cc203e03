// Rejects operations whose estimated cost (graphql-armor's: objects cost more than scalars, and
// each level deeper costs 1.5 times more) exceeds maxCost, catching wide queries that stay under
// the depth and alias limits. Fragments are costed as if inlined; `__schema` introspection is
// exempt.
import type { Plugin } from 'graphql-yoga';
import { armorOnly, reportAsValidationError } from './armor-only.js';
import { RefusalTally } from './refusal-tally.js';

export function useCostLimit({ maxCost = 5000, refusals = new RefusalTally() }: { maxCost?: number; refusals?: RefusalTally } = {}): Plugin {
  return armorOnly({ costLimit: { maxCost, ignoreIntrospection: true, flattenFragments: true, ...reportAsValidationError(() => refusals.count('cost')) } });
}
