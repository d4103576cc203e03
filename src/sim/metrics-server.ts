// One pod's metrics endpoint: a real HTTP server answering `GET` on its sidecar's path (Linkerd's
// `/metrics`, Istio's `/stats/prometheus`), which can be told to misbehave the ways real targets
// do, for the scraper's failure tests.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * - ok: the metrics page.
 * - garbage: 200 with a body no Prometheus parser accepts.
 * - hang: accepts the request and never answers (the scraper's timeout must fire).
 * - http500: an error status with a plain-text body.
 * - reset: the connection is destroyed without a response.
 */
export type PodHealth = 'ok' | 'garbage' | 'hang' | 'http500' | 'reset';

export const POD_HEALTH_MODES: readonly PodHealth[] = ['ok', 'garbage', 'hang', 'http500', 'reset'];

// Mimics what a confused target serves: an HTML error page glued to half a metric line.
const GARBAGE =
  '<html><body>502 Bad Gateway</body></html>\n' +
  'request_total{direction="outbound",authority="web.default.svc.cluster.local:8080" 12\n' +
  '\u0000\u0001\u00ff\ufffd not a sample {{{\n';

export interface MetricsSource {
  health(): PodHealth;
  render(): string;
  /** The path it serves (default `/metrics`). */
  readonly path?: string | undefined;
}

export class PodMetricsServer {
  private server: Server | undefined;
  private boundPort: number | undefined;

  constructor(private readonly source: MetricsSource) {}

  get port(): number {
    if (this.boundPort === undefined) throw new Error('the metrics server is not listening');
    return this.boundPort;
  }

  async listen(host: string): Promise<number> {
    const server = createServer((request, response) => this.handle(request, response));
    // Scrapers reuse connections; don't let idle keep-alive sockets outlive a test by seconds.
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.boundPort = (server.address() as AddressInfo).port;
    return this.boundPort;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    this.boundPort = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Hanging requests and idle keep-alive sockets would otherwise hold close() open forever.
    server.closeAllConnections();
    await closed;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== (this.source.path ?? '/metrics')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    switch (this.source.health()) {
      case 'ok':
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(this.source.render());
        return;
      case 'garbage':
        response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(GARBAGE);
        return;
      case 'http500':
        response.writeHead(500, { 'content-type': 'text/plain' }).end('proxy admin server error\n');
        return;
      case 'reset':
        request.socket.destroy();
        return;
      case 'hang':
        // Deliberately never answered; close() ends it.
        return;
    }
  }
}
