// Reading the errors @kubernetes/client-node hands out: generated API calls reject with an
// ApiException (`code`, and a Status `body`), Watch fails with an Error carrying `statusCode`,
// and node-fetch's network errors carry a string `code` (ECONNREFUSED, ERR_STREAM_PREMATURE_CLOSE).

/** The HTTP status of a failed Kubernetes request, when it got that far. */
export function httpStatusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  if (typeof code === 'number') return code;
  return undefined;
}

/** One line that says what went wrong, including the API server's own message when it sent one. */
export function describeKubeError(error: unknown): string {
  const status = httpStatusOf(error);
  const serverMessage = statusMessageOf(error);
  const text = error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error);
  if (status !== undefined && serverMessage !== undefined) return `HTTP ${status}: ${serverMessage}`;
  if (status !== undefined && !text.includes(String(status))) return `HTTP ${status}: ${text}`;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
}

/** The `message` of a Status body (an ApiException's body may be the parsed object or its text). */
function statusMessageOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  let { body } = error as { body?: unknown };
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body) as unknown;
    } catch {
      return undefined;
    }
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { message } = body as { message?: unknown };
  return typeof message === 'string' && message !== '' ? message : undefined;
}
