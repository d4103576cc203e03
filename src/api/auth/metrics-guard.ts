// /metrics behind a bearer token (--metrics-auth token). /metrics lists every split of every
// namespace, so a caller must be allowed all namespaces: a tokens-file entry with
// `namespaces: all`, or in kubernetes mode a user who may list TrafficSplits cluster-wide
// (give Prometheus' service account that ClusterRole). By default /metrics stays open, as
// /healthz and /readyz always do: Prometheus and the kubelet scrape them, usually without a token.
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AuthUnavailableError, UNAVAILABLE_MESSAGE, wwwAuthenticate } from './auth-errors.js';
import type { Authorizer } from './authorizer.js';
import type { AuthLog } from './namespace-access.js';

export const OPEN_METRICS: RequestHandler = (_request, _response, next) => next();

export function metricsGuard(authorizer: Authorizer, log: AuthLog = () => undefined): RequestHandler {
  const check = async (request: Request, response: Response, next: NextFunction): Promise<void> => {
    const authentication = await authorizer.authenticate({ get: (name) => request.get(name) });
    if (!authentication.ok) {
      response
        .status(401)
        .set('WWW-Authenticate', wwwAuthenticate(authentication.failure === 'invalid'))
        .type('text/plain')
        .send(`${authentication.message}\n`);
      return;
    }
    const grant = await authorizer.allowedNamespaces(authentication.principal, []);
    if (grant !== 'all') {
      response.status(403).type('text/plain').send('/metrics shows the splits of every namespace: this token must be allowed all namespaces\n');
      return;
    }
    next();
  };
  return (request, response, next) => {
    check(request, response, next).catch((error: unknown) => {
      if (!(error instanceof AuthUnavailableError)) {
        next(error);
        return;
      }
      log(`/metrics access check failed: ${error.message}`);
      response.status(503).set('Retry-After', '5').type('text/plain').send(`${UNAVAILABLE_MESSAGE}\n`);
    });
  };
}
