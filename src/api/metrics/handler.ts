// GET /metrics. A failure while collecting (a bug, a state reader that throws) answers 500 with a
// short text for the scraper, which then marks the target down (`up` = 0), and is logged; it
// never takes the process down.
import type { Request, Response } from 'express';
import type { Registry } from 'prom-client';

export interface MetricsHandlerOptions {
  /** Where collection errors go. Default: standard error. */
  readonly log?: (line: string) => void;
}

export function metricsHandler(
  registry: Registry,
  { log = (line) => process.stderr.write(`${line}\n`) }: MetricsHandlerOptions = {},
): (request: Request, response: Response) => Promise<void> {
  return async (_request, response) => {
    let body: string;
    try {
      body = await registry.metrics();
    } catch (error) {
      log(`/metrics: collecting metrics failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) response.status(500).type('text/plain').send('collecting metrics failed\n');
      return;
    }
    response.set('Content-Type', registry.contentType).send(body);
  };
}
