// Rejects operations with more than maxAliases aliases: aliases are how one request asks for the
// same expensive field (trafficSplits over many windows) many times.
import type { Plugin } from 'graphql-yoga';
import { armorOnly, reportAsValidationError } from './armor-only.js';

export function useMaxAliases({ maxAliases = 15 }: { maxAliases?: number } = {}): Plugin {
  return armorOnly({ maxAliases: { n: maxAliases, ...reportAsValidationError() } });
}
