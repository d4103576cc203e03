// The live page's files over real HTTP: exactly the listed files, each with its type and the
// page's strict Content-Security-Policy; every file the page and its modules refer to is served,
// and nothing in it is inline.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import express from 'express';
import { LIVE_PAGE_ASSETS, LIVE_PAGE_CSP, livePageRouter } from './live-page.js';
import { listen } from './server.js';
import type { RunningServer } from './server.js';

describe('live page files', () => {
  let server: RunningServer;
  before(async () => {
    const app = express();
    app.use(livePageRouter());
    server = await listen(app, '127.0.0.1', 0);
  });
  after(() => server.close());

  it('serves each listed file with its type and the strict policy', async () => {
    for (const [route, asset] of LIVE_PAGE_ASSETS) {
      const response = await fetch(`${server.url}${route}`);
      assert.equal(response.status, 200, route);
      assert.equal(response.headers.get('content-type'), asset.type, route);
      assert.equal(response.headers.get('content-security-policy'), LIVE_PAGE_CSP, route);
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), await readFile(asset.file), route);
    }
    assert.doesNotMatch(LIVE_PAGE_CSP, /unsafe-inline|unsafe-eval/);
  });

  it('serves nothing else from the page’s directories', async () => {
    for (const route of ['/ui/', '/ui/tsconfig.json', '/ui/index.html', '/ui/../package.json', '/ui/%2e%2e/package.json', '/UI/app.js', '/ui/app.js/', '/ui/vendor/uPlot.d.ts', '/ui/vendor/uPlot.esm.js']) {
      const response = await fetch(`${server.url}${route}`);
      assert.equal(response.status, 404, route);
      await response.arrayBuffer();
    }
  });

  it('lists every file the page and its modules load, and nothing inline', async () => {
    const page = (await readFile((LIVE_PAGE_ASSETS.get('/') as { file: string }).file, 'utf8'));
    const referenced = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] as string).filter((url) => !url.startsWith('data:') && url !== 'graphql');
    assert.ok(referenced.length >= 4);
    for (const url of referenced) assert.ok(LIVE_PAGE_ASSETS.has(`/${url}`), `${url} is served`);
    assert.doesNotMatch(page, /<script(?![^>]*\ssrc=)[^>]*>/, 'no inline script');
    assert.doesNotMatch(page, /\sstyle=|<style|\son[a-z]+=/i, 'no inline style or handler');
    for (const [route, asset] of LIVE_PAGE_ASSETS) {
      if (!route.startsWith('/ui/') || route.startsWith('/ui/vendor/') || !route.endsWith('.js')) continue;
      const source = await readFile(asset.file, 'utf8');
      for (const [, imported] of source.matchAll(/^import [^'"]*'\.\/([^']+)'/gm)) assert.ok(LIVE_PAGE_ASSETS.has(`/ui/${imported}`), `${route} imports ${imported}, which is served`);
      assert.doesNotMatch(source, /innerHTML|setAttribute\('style'|\beval\(|new Function/, `${route} builds no markup or code from text`);
    }
  });
});
