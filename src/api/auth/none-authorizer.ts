// --auth none: no credentials asked, every namespace visible (the demo, a trusted network).
import type { Authentication, Authorizer, NamespaceGrant, Principal } from './authorizer.js';

export const ANONYMOUS: Principal = Object.freeze({ name: 'anonymous', groups: Object.freeze([]) });

const AUTHENTICATED: Authentication = Object.freeze({ ok: true, principal: ANONYMOUS });

export class NoneAuthorizer implements Authorizer {
  readonly mode = 'none';

  authenticate(): Promise<Authentication> {
    return Promise.resolve(AUTHENTICATED);
  }

  mayReadMetrics(): Promise<boolean> {
    return Promise.resolve(true);
  }

  allowedNamespaces(): Promise<NamespaceGrant> {
    return Promise.resolve('all');
  }
}
