// One open watch: a chunked HTTP response carrying newline-delimited JSON events, as the real
// API server streams them. Filters by namespace and label selector the way the server does: an
// object whose change moves it into the selection arrives as ADDED, out of it as DELETED.
import type { ServerResponse } from 'node:http';
import type { LabelSelector } from '../../../src/splits/index.js';
import type { JsonObject } from './http.js';
import { isJsonObject } from './http.js';
import type { Change, StoredObject } from './object-store.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchStreamOptions {
  readonly res: ServerResponse;
  readonly collection: string;
  readonly namespace: string | undefined;
  readonly selector: LabelSelector;
  /** The stored object as this watch's version serves it. */
  readonly render: (stored: StoredObject) => JsonObject;
  /** A BOOKMARK's object: the kind and apiVersion of the watched type, and a resourceVersion. */
  readonly bookmarkObject: (resourceVersion: number) => JsonObject;
  /** Sends bookmarks this often; undefined when the client did not ask for them. */
  readonly bookmarkIntervalMs: number | undefined;
  readonly currentResourceVersion: () => number;
  /** The client's timeoutSeconds: the stream then ends cleanly, as the real server ends it. */
  readonly timeoutMs: number | undefined;
  readonly onClose: (stream: WatchStream) => void;
  /** Called for every event written, for the server's counters. */
  readonly onSent: (type: WatchEventType) => void;
}

export class WatchStream {
  readonly collection: string;
  readonly #options: WatchStreamOptions;
  readonly #timers: NodeJS.Timeout[] = [];
  #stalled = false;
  #closed = false;

  constructor(options: WatchStreamOptions) {
    this.collection = options.collection;
    this.#options = options;
    const { res } = options;
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'cache-control': 'no-cache, private' });
    res.flushHeaders();
    res.on('close', () => this.#closed || this.#cleanUp());
    if (options.bookmarkIntervalMs !== undefined) {
      this.#timers.push(setInterval(() => this.bookmark(), options.bookmarkIntervalMs));
    }
    if (options.timeoutMs !== undefined) this.#timers.push(setTimeout(() => this.end(), options.timeoutMs));
  }

  get stalled(): boolean {
    return this.#stalled;
  }

  /** Whether the stored object is in this watch's selection. */
  selects(stored: StoredObject): boolean {
    if (this.#options.namespace !== undefined && stored.namespace !== this.#options.namespace) return false;
    return this.#options.selector.matches(labelsOf(stored.object));
  }

  /** Sends a stored change, translated for this watch's selection. */
  send(change: Change): void {
    const now = this.selects(change.object);
    if (change.type !== 'MODIFIED') {
      if (now) this.write(change.type, this.#options.render(change.object));
      return;
    }
    const before = change.previous !== undefined && this.selects(change.previous);
    if (before && now) this.write('MODIFIED', this.#options.render(change.object));
    else if (now) this.write('ADDED', this.#options.render(change.object));
    else if (before) this.write('DELETED', this.#options.render(change.object));
  }

  bookmark(): void {
    if (this.#options.bookmarkIntervalMs === undefined) return;
    this.write('BOOKMARK', this.#options.bookmarkObject(this.#options.currentResourceVersion()));
  }

  write(type: WatchEventType, object: JsonObject): void {
    if (this.#closed || this.#stalled) return;
    this.#options.onSent(type);
    this.#options.res.write(`${JSON.stringify({ type, object })}\n`);
  }

  /** Keeps the connection open but never writes again: the silent stream a watchdog must catch. */
  stall(): void {
    this.#stalled = true;
  }

  /** Ends the response properly (the terminating chunk), as a server-side timeout does. */
  end(): void {
    if (this.#closed) return;
    this.#cleanUp();
    this.#options.res.end();
  }

  /** Cuts the connection without ending the response, as a crashed server or a broken network does. */
  drop(): void {
    if (this.#closed) return;
    this.#cleanUp();
    this.#options.res.socket?.destroy();
  }

  #cleanUp(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#options.onClose(this);
  }
}

function labelsOf(object: JsonObject): Record<string, string> {
  const metadata = isJsonObject(object.metadata) ? object.metadata : {};
  const labels = isJsonObject(metadata.labels) ? metadata.labels : {};
  return Object.fromEntries(Object.entries(labels).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
