// Shared by the access-control tests: GraphQL requests and SSE subscriptions over yoga.fetch (no
// sockets) that carry a bearer token, and temporary files removed after each test.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { GraphQLServer } from '../../src/api/index.js';
import { readEventStream } from '../helpers/sse.js';
import type { EventStream as SseStream } from '../helpers/sse.js';

export interface GraphQLError {
  readonly message: string;
  readonly path?: (string | number)[];
  readonly extensions?: Record<string, unknown>;
}

export interface GraphQLBody {
  readonly data?: Record<string, unknown> | null;
  readonly errors?: GraphQLError[];
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: GraphQLBody;
}

export interface RequestOptions {
  readonly token?: string;
  /** A raw Authorization header (wins over token). */
  readonly authorization?: string;
  readonly variables?: Record<string, unknown>;
}

function headersFor({ token, authorization }: RequestOptions, accept: string): Record<string, string> {
  const auth = authorization ?? (token === undefined ? undefined : `Bearer ${token}`);
  return { 'content-type': 'application/json', accept, ...(auth === undefined ? {} : { authorization: auth }) };
}

export async function query(yoga: GraphQLServer, document: string, options: RequestOptions = {}): Promise<Answer> {
  const response = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: headersFor(options, 'application/graphql-response+json'),
    body: JSON.stringify({ query: document, variables: options.variables ?? {} }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLBody };
}

/** The namespace/name of every split in `data[field]`. */
export function splitKeys(answer: Answer, field = 'trafficSplits'): string[] {
  assert.equal(answer.body.errors, undefined, JSON.stringify(answer.body.errors));
  const list = answer.body.data?.[field];
  assert.ok(Array.isArray(list), JSON.stringify(answer.body));
  return (list as { namespace: string; name: string }[]).map((split) => `${split.namespace}/${split.name}`);
}

export function onlyError(answer: Answer): GraphQLError {
  const errors = answer.body.errors ?? [];
  assert.equal(errors.length, 1, JSON.stringify(answer.body));
  return errors[0] as GraphQLError;
}

export type EventStream = SseStream<GraphQLBody>;

/** A GraphQL-over-SSE client over yoga.fetch that starts reading at once, as a real client does. */
export async function subscribe(t: TestContext, yoga: GraphQLServer, document: string, options: RequestOptions = {}): Promise<EventStream> {
  const response = await yoga.fetch('http://localhost/graphql', {
    method: 'POST',
    headers: headersFor(options, 'text/event-stream'),
    body: JSON.stringify({ query: document, variables: options.variables ?? {} }),
  });
  return readEventStream<GraphQLBody>(t, response);
}

/** A fresh directory, removed when the test ends. */
export async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'splitstat-auth-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

export async function writeTemp(t: TestContext, name: string, contents: string): Promise<string> {
  const file = join(await tempDir(t), name);
  await writeFile(file, contents);
  return file;
}
