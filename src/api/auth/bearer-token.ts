// Reading `Authorization: Bearer <token>` (RFC 6750 §2.1). The scheme is case-insensitive; any
// other scheme, or a header that is not one token, is refused rather than guessed at.

export type BearerCredential =
  | { readonly kind: 'token'; readonly token: string }
  | { readonly kind: 'missing' }
  | { readonly kind: 'malformed'; readonly message: string };

// Visible ASCII without spaces: a superset of RFC 6750's b64token, so JWTs (Kubernetes tokens)
// and hex or base64 static tokens all pass.
const BEARER = /^bearer +([\x21-\x7e]+) *$/i;

export function readBearerToken(authorization: string | null | undefined): BearerCredential {
  if (authorization == null || authorization.trim() === '') return { kind: 'missing' };
  const match = BEARER.exec(authorization);
  if (match?.[1] === undefined) {
    const scheme = authorization.trim().split(/\s+/)[0] ?? '';
    return scheme.toLowerCase() === 'bearer'
      ? { kind: 'malformed', message: 'the Authorization header must be "Bearer <token>"' }
      : { kind: 'malformed', message: `the Authorization header must use the Bearer scheme, not ${JSON.stringify(scheme)}` };
  }
  return { kind: 'token', token: match[1] };
}
