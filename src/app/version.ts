// The package version, read once from package.json (one level above both src/ and dist/).
import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const pkg: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    if (typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string') return pkg.version;
  } catch {
    // A stripped install without package.json still runs; it just cannot say its version.
  }
  return 'unknown';
}

export const VERSION = readVersion();
