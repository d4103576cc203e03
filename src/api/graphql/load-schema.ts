// The GraphQL contract lives in schema/*.graphql (shipped in the npm package beside dist/), read
// once at start-up so the SDL file is the single source of truth.
import { readdirSync, readFileSync } from 'node:fs';

// Both src/api/graphql/ (tsx, tests) and dist/api/graphql/ (the build) are three levels below
// the package root.
const SCHEMA_DIR = new URL('../../../schema/', import.meta.url);

/** Every *.graphql file of the schema folder, in name order so the merged schema is stable. */
export function loadTypeDefs(dir: URL = SCHEMA_DIR): string[] {
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.graphql'))
    .sort();
  if (files.length === 0) throw new Error(`no *.graphql files in ${dir.pathname}`);
  return files.map((name) => readFileSync(new URL(name, dir), 'utf8'));
}
