// The GraphQL client `stat ts` uses, against small loopback HTTP servers that misbehave in the
// ways real ones do: every failure must be one readable line.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { graphqlRequest } from './graphql-client.js';

type Handler = (request: IncomingMessage, body: string, response: ServerResponse) => void;

let handler: Handler = (_request, _body, response) => response.end();
let server: Server;
let endpoint: string;

before(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => handler(request, body, response));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function json(response: ServerResponse, status: number, document: unknown, type = 'application/json'): void {
  response.writeHead(status, { 'content-type': type }).end(JSON.stringify(document));
}

describe('graphqlRequest', () => {
  it('stops reading an answer that never ends, with one line, and reads no more than the cap', async () => {
    let sent = 0;
    handler = (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"data":{"x":"');
      const chunk = 'a'.repeat(64 * 1024);
      const pump = (): void => {
        while (!response.destroyed && sent < 64 * 1024 * 1024) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      response.on('close', () => (sent = Number.POSITIVE_INFINITY));
      pump();
    };
    await assert.rejects(graphqlRequest({ endpoint, query: '{ x }', maxAnswerBytes: 1024 * 1024 }), /answered more than 1 MiB; stopped reading/);
  });

  it('POSTs the query and variables as JSON and returns data', async () => {
    let received: { method?: string; type?: string; body?: unknown } = {};
    handler = (request, body, response) => {
      received = { method: request.method, type: request.headers['content-type'], body: JSON.parse(body) as unknown };
      json(response, 200, { data: { ok: true } });
    };
    const data = await graphqlRequest({ endpoint, query: '{ ok }', variables: { a: 1 } });
    assert.deepEqual(data, { ok: true });
    assert.deepEqual(received, { method: 'POST', type: 'application/json', body: { query: '{ ok }', variables: { a: 1 } } });
  });

  it('GraphQL errors, whatever the status: their messages, once each, on one line', async () => {
    handler = (_request, _body, response) =>
      json(response, 400, { errors: [{ message: 'Unknown argument "x".' }, { message: 'Unknown argument "x".' }, { message: 'two\nlines' }] }, 'application/graphql-response+json');
    await assert.rejects(graphqlRequest({ endpoint, query: '{ ok }', label: 'splitstat at S' }), {
      name: 'GraphqlClientError',
      message: 'splitstat at S: Unknown argument "x".; two lines',
    });
  });

  it('a non-2xx answer without GraphQL errors: the status and the start of the body', async () => {
    handler = (_request, _body, response) => response.writeHead(502, { 'content-type': 'text/html' }).end(`<html>\n<b>Bad gateway</b> ${'x'.repeat(500)}</html>`);
    const error = await graphqlRequest({ endpoint, query: '{ ok }', label: 'S' }).catch((caught: unknown) => caught);
    assert.ok(error instanceof Error);
    assert.match(error.message, /^S answered 502 Bad Gateway: <html> <b>Bad gateway<\/b> x+$/);
    assert.ok(error.message.length < 260, 'the body is cut short');
  });

  it('a 200 that is not JSON (say, a web page at the wrong URL)', async () => {
    handler = (_request, _body, response) => response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<html></html>');
    await assert.rejects(graphqlRequest({ endpoint, query: '{ ok }', label: 'S' }), {
      message: 'S answered 200 OK with text/html; charset=utf-8, not GraphQL JSON (is the server URL right?)',
    });
  });

  it('JSON without data', async () => {
    handler = (_request, _body, response) => json(response, 200, { data: null });
    await assert.rejects(graphqlRequest({ endpoint, query: '{ ok }', label: 'S' }), { message: 'S answered without data' });
  });

  it('a server that does not answer in time', async () => {
    handler = () => undefined; // never answers
    await assert.rejects(graphqlRequest({ endpoint, query: '{ ok }', label: 'S', timeoutMs: 100 }), { message: 'S did not answer within 0.1s' });
  });

  it('a body that stalls after the headers counts against the timeout too', async () => {
    handler = (_request, _body, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"data":');
    };
    await assert.rejects(graphqlRequest({ endpoint, query: '{ ok }', label: 'S', timeoutMs: 100 }), { message: 'S did not answer within 0.1s' });
  });

  it('cancelled by the caller', async () => {
    handler = () => undefined;
    const cancel = new AbortController();
    setTimeout(() => cancel.abort(), 20);
    await assert.rejects(graphqlRequest({ endpoint, query: '{ ok }', label: 'S', signal: cancel.signal }), { message: 'request to S was cancelled' });
  });

  it('nothing listening: the connection error, for every address the name resolved to', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(graphqlRequest({ endpoint: `http://127.0.0.1:${port}/graphql`, query: '{ ok }', label: 'S' }), {
      message: `cannot reach S: connect ECONNREFUSED 127.0.0.1:${port}`,
    });
    // localhost may resolve to ::1 and 127.0.0.1; then each refusal is named.
    const error = await graphqlRequest({ endpoint: `http://localhost:${port}/graphql`, query: '{ ok }', label: 'S' }).catch((caught: unknown) => caught);
    assert.ok(error instanceof Error);
    assert.match(error.message, new RegExp(`^cannot reach S: connect ECONNREFUSED (::1|127\\.0\\.0\\.1):${port}(, connect ECONNREFUSED (::1|127\\.0\\.0\\.1):${port})?$`));
  });
});
