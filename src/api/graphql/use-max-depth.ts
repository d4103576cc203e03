// Rejects selections nested deeper than maxDepth before they run. splitstat's own types have no
// cycles (trafficSplits → backends → stats → a number is the deepest), but introspection's do:
// `__type { fields { type { ofType { ofType … } } } }` nests as deep as a client likes. The
// standard `__schema` introspection GraphiQL sends is exempt, and fragments count as the
// levels they add to the response, not as levels of their own, so fragment-heavy clients are not
// punished for their style.
import type { Plugin } from 'graphql-yoga';
import { armorOnly, reportAsValidationError } from './armor-only.js';
import { RefusalTally } from './refusal-tally.js';

export function useMaxDepth({ maxDepth = 10, refusals = new RefusalTally() }: { maxDepth?: number; refusals?: RefusalTally } = {}): Plugin {
  return armorOnly({ maxDepth: { n: maxDepth, ignoreIntrospection: true, flattenFragments: true, ...reportAsValidationError(() => refusals.count('depth')) } });
}
