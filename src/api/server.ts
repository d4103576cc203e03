// The HTTP service: one express app with the live page at /, /metrics, /graphql (GraphiQL in a
// browser), /healthz and /readyz, and a shutdown that stops accepting, lets in-flight requests finish, and never hangs.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { RequestHandler } from 'express';
import { OPEN_METRICS } from './auth/index.js';
import type { ServiceContext } from './context.js';
import { GRAPHQL_ENDPOINT, loadGraphQL, QueryTimings, RefusalTally } from './graphql/index.js';
import type { GraphQLOptions } from './graphql/index.js';
import { healthHandler, readinessHandler } from './health.js';
import { lazyHandler } from './lazy-handler.js';
import { livePageRouter } from './live-page.js';
import type { ReadinessCheck } from './health.js';
import { createMetricsRegistry, metricsHandler } from './metrics/index.js';
import { requestGuards } from './request-guards.js';
import type { RequestGuardOptions } from './request-guards.js';
import { readTlsPair, reloadTlsOnChange } from './tls.js';
import type { TlsReloadOptions, TlsFiles } from './tls.js';

export interface ServerOptions {
  readonly readiness: readonly ReadinessCheck[];
  readonly graphql?: Partial<GraphQLOptions>;
  /** Guards /metrics (open unless --metrics-auth token). /healthz and /readyz stay open for the kubelet. */
  readonly metricsGuard?: RequestHandler;
  /** How long in-flight requests (and streams) may take to finish on shutdown. */
  readonly shutdownGraceMs?: number;
  /** Which Hosts are served besides those no attacker can own (request-guards.ts). */
  readonly hosts?: Partial<Omit<RequestGuardOptions, 'graphqlPath'>>;
}

export function createApp(ctx: ServiceContext, { readiness, graphql = {}, metricsGuard = OPEN_METRICS, hosts = {} }: ServerOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  // `/METRICS` or `/metrics/` must not be served: a proxy in front that guards the exact path
  // would be slipped past.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.use(requestGuards({ clusterDomain: hosts.clusterDomain ?? 'cluster.local', allowedHosts: hosts.allowedHosts ?? [], graphqlPath: GRAPHQL_ENDPOINT }));
  const refusals = graphql.refusals ?? new RefusalTally();
  const queryTimings = graphql.queryTimings ?? new QueryTimings();
  const registry = createMetricsRegistry(ctx, { graphql: { refusals, queryTimings } });
  app.get('/healthz', healthHandler);
  app.get('/readyz', readinessHandler(readiness));
  app.get('/metrics', metricsGuard, metricsHandler(registry));
  // Built on the first request to /graphql: until then the process holds none of it.
  app.use(
    GRAPHQL_ENDPOINT,
    lazyHandler(async () => {
      const { createGraphQL } = await loadGraphQL();
      return createGraphQL(ctx, { ...graphql, refusals, queryTimings });
    }),
  );
  // The page reads everything through /graphql, with the caller's token: it shows nothing GraphQL would not.
  app.use(livePageRouter());
  return app;
}

export interface RunningServer {
  readonly server: http.Server;
  /** e.g. http://127.0.0.1:8080 */
  readonly url: string;
  close(): Promise<void>;
}

export interface ListenOptions extends TlsReloadOptions {
  readonly shutdownGraceMs?: number;
  /** Serve HTTPS with this certificate and key, read again when they change (tls.ts). */
  readonly tls?: TlsFiles | undefined;
}

export async function listen(app: express.Express, host: string | undefined, port: number, { shutdownGraceMs = 4000, tls, pollMs, log }: ListenOptions = {}): Promise<RunningServer> {
  // A bad pair fails here, at start-up (TlsFilesError); later changes are reloaded or logged.
  const server = tls === undefined ? http.createServer(app) : https.createServer(readTlsPair(tls), app);
  const stopWatching = tls === undefined || !(server instanceof https.Server) ? () => undefined : reloadTlsOnChange(server, tls, { pollMs, log });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = host === undefined || host === '' || host === '0.0.0.0' || host === '::' ? 'localhost' : address.address;
  const url = `${tls === undefined ? 'http' : 'https'}://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    server,
    url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        stopWatching();
        // Stop accepting; idle keep-alive sockets go now, busy ones when their response ends.
        server.close(() => resolve());
        server.closeIdleConnections();
        // Streams (GraphQL subscriptions) never end by themselves: cut what is left after the grace.
        setTimeout(() => server.closeAllConnections(), shutdownGraceMs).unref();
      });
      return closing;
    },
  };
}
