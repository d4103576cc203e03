// /metrics behind the same bearer tokens as GraphQL, whenever access control is on (--metrics-auth
// auto, the default, or token). /metrics lists every split of every namespace, so a caller must
// be allowed to see them all: a tokens-file entry with `namespaces: all`, or in kubernetes mode a
// user who may `get` the non-resource URL /metrics, as kube-rbac-proxy asks (Prometheus' usual
// ClusterRole allows it). /healthz and /readyz stay open for the kubelet.
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
    if (!(await authorizer.mayReadMetrics(authentication.principal))) {
      const needs = authorizer.mode === 'kubernetes' ? 'this user needs get on the non-resource URL /metrics' : 'this token must be allowed all namespaces';
      response.status(403).type('text/plain').send(`/metrics shows the splits of every namespace: ${needs}\n`);
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
