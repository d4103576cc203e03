// Liveness and readiness. /healthz: the process answers. /readyz: splits are loaded and the first
// scrape cycle is done, so the numbers a client gets are real (a rollout gate must not read an
// empty table as "no traffic").
import type { Request, Response } from 'express';

export interface ReadinessCheck {
  readonly name: string;
  readonly ready: () => boolean;
}

export function healthHandler(_request: Request, response: Response): void {
  response.type('text/plain').send('ok\n');
}

export function readinessHandler(checks: readonly ReadinessCheck[]) {
  return (_request: Request, response: Response): void => {
    const waiting = checks.filter((check) => !check.ready()).map((check) => check.name);
    if (waiting.length === 0) response.type('text/plain').send('ready\n');
    else response.status(503).type('text/plain').send(`not ready: waiting for ${waiting.join(', ')}\n`);
  };
}
