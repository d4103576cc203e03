// Why an HTTP request failed, in words a person can act on. fetch reports "fetch failed" and keeps
// the reason (ECONNREFUSED, ENOTFOUND, …) in `cause`; when a name resolves to several addresses
// (localhost: ::1 and 127.0.0.1) the cause is an AggregateError of one per address.

export function networkReason(error: unknown): string {
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  if (cause instanceof AggregateError && cause.errors.length > 0) {
    return [...new Set(cause.errors.map((inner) => (inner instanceof Error ? inner.message : String(inner))))].join(', ');
  }
  if (cause instanceof Error) return cause.message !== '' ? cause.message : ((cause as NodeJS.ErrnoException).code ?? cause.name);
  return String(cause);
}

/** A response body or message folded onto one line, for an error excerpt. */
export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
