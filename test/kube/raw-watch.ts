// A bare HTTP client for testing the fake API server itself, below client-node: GETs JSON and
// reads a watch stream line by line.
import type { FakeKubeServer } from '../helpers/fake-kube/index.js';
import { waitFor } from '../helpers/fake-kube/index.js';

export interface WatchEvent {
  readonly type: string;
  readonly object: { readonly metadata?: { readonly name?: string; readonly resourceVersion?: string }; readonly [key: string]: unknown };
}

export async function getJson(kube: FakeKubeServer, path: string, token: string | null = kube.token): Promise<{ status: number; body: unknown }> {
  const response = await fetch(kube.url + path, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as unknown };
}

export class RawWatch {
  readonly events: WatchEvent[] = [];
  status = 0;
  ended = false;
  readonly #controller = new AbortController();

  static async open(kube: FakeKubeServer, path: string): Promise<RawWatch> {
    const watch = new RawWatch();
    const response = await fetch(kube.url + path, {
      headers: kube.token === null ? {} : { authorization: `Bearer ${kube.token}` },
      signal: watch.#controller.signal,
    });
    watch.status = response.status;
    if (response.body === null) throw new Error('no body');
    watch.#read(response.body).catch(() => (watch.ended = true));
    return watch;
  }

  /** Names of the events so far, as `TYPE name`. */
  summary(): string[] {
    return this.events.map((event) => `${event.type} ${event.object.metadata?.name ?? ''}`.trim());
  }

  async waitForEvents(count: number, what = `${count} events`): Promise<void> {
    await waitFor(() => this.events.length >= count, () => `${what} (got ${JSON.stringify(this.summary())})`);
  }

  close(): void {
    this.#controller.abort();
  }

  async #read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffered = '';
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        this.events.push(JSON.parse(buffered.slice(0, newline)) as WatchEvent);
        buffered = buffered.slice(newline + 1);
      }
    }
    this.ended = true;
  }
}
