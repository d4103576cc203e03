// Cache keys for credentials and identities: a SHA-256 digest, so the cache (and a heap dump of
// it) never holds a usable token.
import { createHash } from 'node:crypto';

export function hashKey(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}
