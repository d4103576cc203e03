// Small HTTP helpers shared by the fake API server and by extra routes plugged into it
// (server.route): JSON replies and Kubernetes `Status` errors shaped as the real server sends
// them, so clients take the same code paths they take against a cluster.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The reasons a real API server puts in `Status.reason` for the codes the fake uses. */
const REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'AlreadyExists',
  410: 'Expired',
  422: 'Invalid',
  500: 'InternalError',
};

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A `metav1.Status` object: the body of every API error, and of a watch ERROR event. */
export function statusObject(code: number, message: string, reason = REASONS[code] ?? 'Unknown'): JsonObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

export function sendStatus(res: ServerResponse, code: number, message: string, reason?: string): void {
  sendJson(res, code, statusObject(code, message, reason));
}

/** Reads a request body as JSON; undefined when empty, throws on invalid JSON. */
export async function readJsonBody(req: IncomingMessage, limitBytes = 1 << 20): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new Error(`request body over ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
