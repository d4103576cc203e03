// The live page at `/`: ui/index.html and its scripts and styles, plus uPlot (the chart), all
// served from this process, so the page works offline and behind a port-forward. Only the
// files listed here are served, read once on first request. Unlike GraphiQL's single document,
// nothing of it is inline, so its Content-Security-Policy allows scripts and styles from this
// origin only.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import type { RequestHandler } from 'express';

/** Scripts and styles from this origin only; connections to it only (GraphQL); nothing framed, posted or based elsewhere. */
export const LIVE_PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

interface Asset {
  readonly file: string;
  readonly type: string;
}

// From src/api/ and dist/api/ alike.
const UI_DIR = fileURLToPath(new URL('../../ui/', import.meta.url));
const UPLOT_DIR = path.dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));

const SCRIPT = 'text/javascript; charset=utf-8';
const STYLE = 'text/css; charset=utf-8';

/** Path under `/` → file. The page's own modules, then the chart library. */
export const LIVE_PAGE_ASSETS: ReadonlyMap<string, Asset> = new Map([
  ['/', { file: path.join(UI_DIR, 'index.html'), type: 'text/html; charset=utf-8' }],
  ...['app.js', 'filter.js', 'format.js', 'graphql-client.js', 'share-chart.js', 'split-card.js', 'types.js'].map(
    (name): [string, Asset] => [`/ui/${name}`, { file: path.join(UI_DIR, name), type: SCRIPT }],
  ),
  ['/ui/app.css', { file: path.join(UI_DIR, 'app.css'), type: STYLE }],
  ['/ui/vendor/uPlot.iife.min.js', { file: path.join(UPLOT_DIR, 'uPlot.iife.min.js'), type: SCRIPT }],
  ['/ui/vendor/uPlot.min.css', { file: path.join(UPLOT_DIR, 'uPlot.min.css'), type: STYLE }],
]);

/** The page's routes. A file that cannot be read is a 500 for that file only, and is tried again. */
export function livePageRouter(): express.Router {
  const router = express.Router({ caseSensitive: true, strict: true });
  const cache = new Map<string, Promise<Buffer>>();
  for (const [route, asset] of LIVE_PAGE_ASSETS) {
    const handler: RequestHandler = (_request, response, next) => {
      let body = cache.get(route);
      if (body === undefined) {
        body = readFile(asset.file);
        cache.set(route, body);
      }
      body.then(
        (bytes) => {
          response.set('Content-Security-Policy', LIVE_PAGE_CSP).type(asset.type).send(bytes);
        },
        (error: unknown) => {
          cache.delete(route);
          next(error);
        },
      );
    };
    router.get(route, handler);
  }
  return router;
}
