// Stops parsing documents longer than maxTokens tokens, so a huge query costs little before it
// is rejected (the other limits only run after parsing). Introspection is not exempt here, and
// needs no exemption: GraphiQL's full introspection query is under 200 tokens.
import type { Plugin } from 'graphql-yoga';
import { armorOnly } from './armor-only.js';

export function useMaxTokens({ maxTokens = 1000 }: { maxTokens?: number } = {}): Plugin {
  return armorOnly({ maxTokens: { n: maxTokens } });
}
