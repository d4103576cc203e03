// A request handler built on its first request, for a part of the server that costs memory to
// hold and that some processes are never asked for. Requests arriving while it loads wait for it;
// if loading fails, each request gets the error (express answers 500 and logs it), and the next
// request tries again.
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** What a Node request listener such as a yoga server is, seen from express. */
export type Listener = (request: Request, response: Response) => unknown;

export function lazyHandler(load: () => Promise<Listener>): RequestHandler {
  let loading: Promise<Listener> | undefined;
  return (request: Request, response: Response, next: NextFunction): void => {
    loading ??= load();
    loading.then(
      (listener) => {
        Promise.resolve(listener(request, response)).catch(next);
      },
      (error: unknown) => {
        loading = undefined;
        next(error);
      },
    );
  };
}
