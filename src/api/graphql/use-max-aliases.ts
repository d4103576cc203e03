// Rejects operations with more than maxAliases aliases: aliases are how one request asks for the
// same expensive field (trafficSplits over many windows) many times.
import type { Plugin } from 'graphql-yoga';
import { armorOnly, reportAsValidationError } from './armor-only.js';
import { RefusalTally } from './refusal-tally.js';

export function useMaxAliases({ maxAliases = 15, refusals = new RefusalTally() }: { maxAliases?: number; refusals?: RefusalTally } = {}): Plugin {
  return armorOnly({ maxAliases: { n: maxAliases, ...reportAsValidationError(() => refusals.count('aliases')) } });
}
