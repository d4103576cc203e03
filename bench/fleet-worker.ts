// One process of the simulated proxy fleet (bench/fleet.ts starts it): a real HTTP server per pod,
// each on its own loopback address, serving that pod's /metrics as a Linkerd proxy's admin server
// does (gzip when asked, connections kept open between scrapes). Runs in its own process so that
// serving the fleet is never counted as the CPU of the scraper under test.
//
// Told what to serve by the FLEET_WORKER environment variable (JSON, see FleetWorkerConfig);
// reports over the IPC channel; exits when the parent goes away, so no server outlives a bench.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { gzipSync } from 'node:zlib';
import { linkerdSplitPage } from './proxy-payload.js';

export interface FleetWorkerConfig {
  readonly hosts: readonly string[];
  readonly port: number;
  /** Index of this worker's first pod in the fleet: pods differ by their fleet-wide index. */
  readonly firstPod: number;
  readonly authorities: number;
  readonly gzip: boolean;
  /** When the fleet's counters started (ms since the epoch), the same in every worker. */
  readonly epochMs: number;
}

export type FleetWorkerMessage =
  | { readonly type: 'ready'; readonly listening: number }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'stats'; readonly requests: number; readonly gzipped: number; readonly renders: number };

/**
 * Pods share their numbers in this many groups: pods of a group serve the same page within one
 * second, so it is rendered and compressed once. Scrapers do the same work whatever the numbers
 * are; the fleet's own work stays small next to theirs.
 */
const VARIANTS = 16;

function send(message: FleetWorkerMessage): void {
  process.send?.(message);
}

function fail(message: string): void {
  // Exit once the message is out: a send still queued dies with the process.
  if (process.send === undefined) {
    console.error(message);
    process.exit(1);
  }
  process.send({ type: 'failed', message } satisfies FleetWorkerMessage, () => process.exit(1));
}

const raw = process.env.FLEET_WORKER;
if (raw === undefined || process.send === undefined) {
  console.error('fleet-worker: run by bench/fleet.ts (needs FLEET_WORKER and an IPC channel)');
  process.exit(2);
}
// Written by bench/fleet.ts from a FleetWorkerConfig; not user input.
const config = JSON.parse(raw) as FleetWorkerConfig;
const page = linkerdSplitPage({ authorities: config.authorities });

interface Rendered {
  readonly text: Buffer;
  gzipped: Buffer | undefined;
}
let cacheSecond = -1;
const cache = new Map<number, Rendered>();
let requests = 0;
let gzipped = 0;
let renders = 0;

function pageFor(pod: number): Rendered {
  const second = Math.floor((Date.now() - config.epochMs) / 1000);
  if (second !== cacheSecond) {
    cache.clear();
    cacheSecond = second;
  }
  const variant = pod % VARIANTS;
  let rendered = cache.get(variant);
  if (rendered === undefined) {
    rendered = { text: Buffer.from(page.render(second, variant)), gzipped: undefined };
    cache.set(variant, rendered);
    renders++;
  }
  return rendered;
}

function handle(pod: number, request: IncomingMessage, response: ServerResponse): void {
  requests++;
  if (request.url !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  const rendered = pageFor(pod);
  // As the proxy's metrics server: gzip whenever the Accept-Encoding header mentions it.
  const wantsGzip = config.gzip && (request.headers['accept-encoding'] ?? '').includes('gzip');
  let body = rendered.text;
  const headers: Record<string, string | number> = { 'content-type': 'text/plain' };
  if (wantsGzip) {
    // Level 1: the proxy compresses with its deflate crate's fast setting.
    rendered.gzipped ??= gzipSync(rendered.text, { level: 1 });
    body = rendered.gzipped;
    headers['content-encoding'] = 'gzip';
    gzipped++;
  }
  headers['content-length'] = body.length;
  response.writeHead(200, headers);
  response.end(request.method === 'HEAD' ? undefined : body);
}

const servers: Server[] = [];

function listen(host: string, pod: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer((request, response) => handle(pod, request, response));
    // The proxy's admin server keeps a scraper's connection open until the scraper closes it.
    server.keepAliveTimeout = 0;
    server.requestTimeout = 0;
    server.once('error', (error: Error) => reject(Object.assign(error, { host })));
    server.listen({ host, port: config.port, backlog: 511 }, () => {
      server.off('error', reject);
      servers.push(server);
      resolve();
    });
  });
}

process.on('message', (message: unknown) => {
  if (typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'stats') {
    send({ type: 'stats', requests, gzipped, renders });
  }
});
// The parent went away (finished, crashed or was killed): nothing may keep serving.
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
// Ctrl-C reaches the whole process group; the parent decides when the fleet stops.
process.on('SIGINT', () => undefined);

try {
  // A few at a time: thousands of listen() calls at once only queue up in the event loop.
  for (let i = 0; i < config.hosts.length; i += 64) {
    await Promise.all(config.hosts.slice(i, i + 64).map((host, j) => listen(host, config.firstPod + i + j)));
  }
} catch (error) {
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  const host = error instanceof Error && 'host' in error ? String(error.host) : '?';
  const hint =
    code === 'EMFILE' || code === 'ENFILE'
      ? ' (too many open files: raise `ulimit -n`)'
      : code === 'EADDRINUSE'
        ? ` (port ${config.port} is taken on that address: choose another with --port)`
        : code === 'EADDRNOTAVAIL'
          ? ' (that loopback address is not routed to lo on this machine)'
          : '';
  fail(`cannot listen on ${host}:${config.port}: ${String(error)}${hint}`);
}
if (servers.length === config.hosts.length) send({ type: 'ready', listening: servers.length });
