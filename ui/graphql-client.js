// @ts-check
// GraphQL over fetch, relative to the page (so it works behind a path prefix): queries as JSON
// POSTs, subscriptions as GraphQL over SSE read from a fetch stream. EventSource cannot send an
// Authorization header, and the token must never be a cookie, so the stream is read by hand.

/** @typedef {{ data?: unknown, errors?: { message: string }[] }} Payload */

/** The server needs a token (401), or refused the one given. */
export class AuthRequired extends Error {
  /** @param {boolean} refused whether a token was sent and refused */
  constructor(refused) {
    super(refused ? 'the server refused this token' : 'this server needs a bearer token');
    this.refused = refused;
  }
}

export class GraphQLClient {
  /** @type {string | undefined} */
  token;

  /** @param {string} endpoint */
  constructor(endpoint) {
    this.endpoint = endpoint;
  }

  /** @param {string} accept */
  #headers(accept) {
    /** @type {Record<string, string>} */
    const headers = { 'content-type': 'application/json', accept };
    if (this.token !== undefined) headers['authorization'] = `Bearer ${this.token}`;
    return headers;
  }

  /** @param {Response} response */
  #checkAuth(response) {
    if (response.status === 401) throw new AuthRequired(this.token !== undefined);
  }

  /**
   * @param {string} query
   * @param {Record<string, unknown>} [variables]
   * @returns {Promise<unknown>} the answer's data
   */
  async query(query, variables = {}) {
    const response = await fetch(this.endpoint, { method: 'POST', headers: this.#headers('application/graphql-response+json, application/json'), body: JSON.stringify({ query, variables }) });
    this.#checkAuth(response);
    /** @type {unknown} */
    const raw = await response.json();
    const body = /** @type {Payload} */ (raw);
    if (body.errors !== undefined && body.errors.length > 0) throw new Error(body.errors.map((error) => error.message).join('; '));
    return body.data;
  }

  /**
   * Reads a subscription until `signal` aborts or the stream ends. Each `next` event's payload
   * goes to onNext (errors included: the stream goes on after a failed tick).
   * @param {string} query
   * @param {Record<string, unknown>} variables
   * @param {(payload: Payload) => void} onNext
   * @param {AbortSignal} signal
   */
  async subscribe(query, variables, onNext, signal) {
    const response = await fetch(this.endpoint, { method: 'POST', headers: this.#headers('text/event-stream'), body: JSON.stringify({ query, variables }), signal });
    this.#checkAuth(response);
    if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream') || response.body === null) {
      // Refused before it started (a bad argument): the answer says why.
      /** @type {unknown} */
      const raw = await response.json().catch(() => ({}));
      const messages = (/** @type {Payload} */ (raw).errors ?? []).map((error) => error.message);
      throw new Error(messages.length > 0 ? messages.join('; ') : `subscription refused: HTTP ${response.status}`);
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data += line.slice(5).trim();
        }
        if (event === 'complete') return;
        if (event !== 'next' || data === '') continue;
        /** @type {unknown} */
        const payload = JSON.parse(data);
        onNext(/** @type {Payload} */ (payload));
      }
    }
  }
}
