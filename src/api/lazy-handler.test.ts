import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import type { Request, Response } from 'express';
import { lazyHandler } from './lazy-handler.js';
import type { Listener } from './lazy-handler.js';
import { listen } from './server.js';

describe('lazyHandler', () => {
  it('builds the handler once, on the first request, and lets requests that came meanwhile wait for it', async () => {
    let loads = 0;
    let release: () => void = () => undefined;
    const loaded = new Promise<void>((resolve) => (release = resolve));
    const app = express();
    app.use(
      '/lazy',
      lazyHandler(async () => {
        loads++;
        await loaded;
        return (request: Request, response: Response) => response.send(`answered ${request.originalUrl}`);
      }),
    );
    const server = await listen(app, '127.0.0.1', 0);
    try {
      assert.equal(loads, 0, 'nothing is built before a request');
      const answers = Promise.all([1, 2, 3].map((n) => fetch(`${server.url}/lazy/${n}`).then((response) => response.text())));
      await new Promise((resolve) => setTimeout(resolve, 50));
      release();
      assert.deepEqual(await answers, ['answered /lazy/1', 'answered /lazy/2', 'answered /lazy/3']);
      assert.equal(await (await fetch(`${server.url}/lazy/4`)).text(), 'answered /lazy/4');
      assert.equal(loads, 1);
    } finally {
      await server.close();
    }
  });

  it('answers 500 when building fails, and tries again on the next request', async () => {
    let loads = 0;
    const app = express();
    app.use(
      '/lazy',
      lazyHandler((): Promise<Listener> => {
        loads++;
        if (loads === 1) return Promise.reject(new Error('module missing'));
        return Promise.resolve((_request: Request, response: Response) => response.send('ok'));
      }),
    );
    // An error handler of its own: the failure is answered without express's default page.
    app.use((_error: unknown, _request: Request, response: Response, _next: unknown) => void response.status(500).send('failed'));
    const server = await listen(app, '127.0.0.1', 0);
    try {
      const first = await fetch(`${server.url}/lazy`);
      assert.deepEqual([first.status, await first.text()], [500, 'failed']);
      const second = await fetch(`${server.url}/lazy`);
      assert.deepEqual([second.status, await second.text()], [200, 'ok']);
      assert.equal(loads, 2);
    } finally {
      await server.close();
    }
  });
});
