// Stops parsing documents longer than maxTokens tokens, so a huge query costs little before it
// is rejected (the other limits only run after parsing). Introspection is not exempt here, and
// needs no exemption: GraphiQL's full introspection query is under 200 tokens.
import type { Plugin } from 'graphql-yoga';
import { armorOnly } from './armor-only.js';
import { RefusalTally } from './refusal-tally.js';

export function useMaxTokens({ maxTokens = 1000, refusals = new RefusalTally() }: { maxTokens?: number; refusals?: RefusalTally } = {}): Plugin {
  return armorOnly({ maxTokens: { n: maxTokens, onReject: [() => refusals.count('tokens')] } });
}
