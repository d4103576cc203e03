// A Kubernetes API server fake for tests: real HTTP on 127.0.0.1, speaking enough of the real
// protocol that the real @kubernetes/client-node clients and informers run against it unchanged.
//
//   const kube = await FakeKubeServer.start();
//   kube.serve(PODS);                                  // what discovery shows and the URLs serve
//   kube.create(pod({ name: 'web-1', podIP: '10.0.0.1' })); // ADDED to every matching watch
//   const kubeConfig = kubeConfigFor(kube);            // kubeconfig.ts
//   …
//   await kube.close();
//
// Protocol: /version; discovery (/api, /api/v1, /apis with preferredVersion, /apis/<g>,
// /apis/<g>/<v>); for every served type GET list (cluster-wide and per namespace, labelSelector,
// list metadata.resourceVersion), GET one object, and watch (?watch=true&resourceVersion=N):
// a chunked stream of newline-delimited JSON events, ADDED/MODIFIED/DELETED replayed from a
// bounded history after N and then live, BOOKMARKs when allowWatchBookmarks=true, a clean end
// after timeoutSeconds. A resourceVersion older than the history is answered as the real server
// answers it: a 200 stream carrying one ERROR event with a 410 Expired Status, then the end
// (`expiredWatch: 'status'` answers HTTP 410 instead). One global resourceVersion grows with
// every write. Every request needs `Authorization: Bearer <token>` (token: null turns that off).
// A type served under several versions (a CRD with `conversion: None`) serves the same stored
// objects under each, only apiVersion rewritten: nothing else is converted.
//
// Test controls: create/update/apply/delete(object), dropWatches() (cut every open watch
// connection), closeWatches() (end them cleanly), stallWatches() (keep them open, send nothing
// more), expireHistory() (every older resourceVersion becomes 410), bookmarkNow(),
// failNext({ verb, resource, code, count }) (inject API errors), hangNext({ verb, resource, count })
// (never answer), delayNext({ verb, resource, ms, count }), requestCount({ verb, resource }),
// eventsSent(type), openWatches, watchesOpened.
//
// Extra routes — the hook for other fake APIs (TokenReview, SubjectAccessReview, …):
//
//   kube.route('POST', /^\/apis\/authentication\.k8s\.io\/v1\/tokenreviews$/, async (req, res, match, url) => {
//     const review = await readJsonBody(req);          // http.ts: readJsonBody, sendJson, sendStatus
//     sendJson(res, 201, { ...review, status: { authenticated: true } });
//   });
//
// Routes are tried in the order added, before the built-in ones (so they may also override a
// built-in path), after the bearer-token check. The pattern is matched against the path without
// the query string; `match` is its RegExp result and `url` the parsed request URL. A handler that
// throws (or rejects) answers 500 with a Status.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LabelSelectorError, parseLabelSelector } from '../../../src/splits/index.js';
import type { LabelSelector } from '../../../src/splits/index.js';
import { apiGroup, apiGroupList, coreVersions, resourceList, versionInfo } from './discovery.js';
import type { JsonObject } from './http.js';
import { isJsonObject, sendJson, sendStatus, statusObject } from './http.js';
import { ObjectStore } from './object-store.js';
import type { StoredObject } from './object-store.js';
import { groupVersion } from './resource-types.js';
import type { ResourceType } from './resource-types.js';
import { WatchStream } from './watch-stream.js';
import type { WatchEventType } from './watch-stream.js';

export const FAKE_TOKEN = 'fake-kube-token';

export interface FakeKubeOptions {
  /** Changes kept for watches to replay (default 1000); older resourceVersions are 410. */
  readonly historyLimit?: number;
  /** How often watches that asked for bookmarks get one (default 60 s, about what kube does). */
  readonly bookmarkIntervalMs?: number;
  /** Bearer token every request must carry; null accepts any request. Default FAKE_TOKEN. */
  readonly token?: string | null;
  /** How a watch from a too-old resourceVersion is refused: 'event' (the real server's way) or 'status'. */
  readonly expiredWatch?: 'event' | 'status';
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, match: RegExpExecArray, url: URL) => void | Promise<void>;

export type RequestVerb = 'list' | 'watch' | 'get' | 'discovery' | 'other';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly verb: RequestVerb;
  /** `<group>/<resource>` ('/pods' for the core group) for resource requests. */
  readonly resource: string | undefined;
  readonly query: Readonly<Record<string, string>>;
}

export interface RequestFilter {
  readonly verb?: RequestVerb;
  /** Plural resource name (`pods`, `trafficsplits`). */
  readonly resource?: string;
}

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handler: RouteHandler;
}

interface Failure extends RequestFilter {
  /** The status to answer with; 0: no answer at all; undefined: answer normally after delayMs. */
  readonly code: number | undefined;
  readonly delayMs?: number;
  remaining: number;
}

/** A resource URL taken apart: /api/v1[/namespaces/<ns>]/<resource>[/<name>] or the /apis/<g>/<v> form. */
interface ResourcePath {
  readonly group: string;
  readonly version: string;
  readonly namespace: string | undefined;
  readonly resource: string;
  readonly name: string | undefined;
}

/** A reference to a stored object: an object with apiVersion, kind and metadata.namespace/name. */
export interface ObjectRef {
  readonly apiVersion?: string | undefined;
  readonly kind?: string | undefined;
  readonly metadata?: { readonly name?: string | undefined; readonly namespace?: string | undefined } | undefined;
}

export interface WriteOptions {
  /** Store into this type's collection whatever the object's kind says (to hand clients a malformed object). */
  readonly as?: ResourceType;
}

export class FakeKubeServer {
  readonly url: string;
  readonly token: string | null;
  readonly #server: Server;
  readonly #store: ObjectStore;
  readonly #types = new Map<string, ResourceType>();
  readonly #routes: Route[] = [];
  readonly #streams = new Set<WatchStream>();
  readonly #requests: RecordedRequest[] = [];
  readonly #failures: Failure[] = [];
  readonly #sent = new Map<WatchEventType, number>();
  #watchesOpened = 0;
  readonly #bookmarkIntervalMs: number;
  readonly #expiredWatch: 'event' | 'status';

  private constructor(server: Server, options: FakeKubeOptions) {
    this.#server = server;
    this.#store = new ObjectStore(options.historyLimit ?? 1000);
    this.token = options.token === undefined ? FAKE_TOKEN : options.token;
    this.#bookmarkIntervalMs = options.bookmarkIntervalMs ?? 60_000;
    this.#expiredWatch = options.expiredWatch ?? 'event';
    const { port } = server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    this.#store.onChange((change) => {
      for (const stream of this.#streams) if (stream.collection === change.collection) stream.send(change);
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      this.#handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendStatus(res, 500, error instanceof Error ? error.message : String(error));
        else res.destroy();
      });
    });
  }

  static async start(options: FakeKubeOptions = {}): Promise<FakeKubeServer> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new FakeKubeServer(server, options);
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The global resourceVersion: that of the latest write. */
  get resourceVersion(): string {
    return String(this.#store.resourceVersion);
  }

  /** Open watch connections (stalled ones included). */
  get openWatches(): number {
    return this.#streams.size;
  }

  /** Watch streams opened so far (answered 200 and registered), closed or not. */
  get watchesOpened(): number {
    return this.#watchesOpened;
  }

  /** Serves a type (or replaces how an already served one is served: versions, preferred version). */
  serve(...types: ResourceType[]): void {
    for (const type of types) this.#types.set(collectionKey(type.group, type.resource), type);
  }

  route(method: string, pattern: RegExp, handler: RouteHandler): void {
    this.#routes.push({ method: method.toUpperCase(), pattern, handler });
  }

  /** Stores a new object (ADDED); returns it as stored, with resourceVersion, uid and creationTimestamp. */
  create(object: object, options: WriteOptions = {}): JsonObject {
    const { type, namespace, name } = this.#target(object, options);
    return this.#store.create(collectionKey(type.group, type.resource), namespace, name, toJson(object)).object;
  }

  /** Replaces an existing object (MODIFIED), whatever resourceVersion the given copy carries. */
  update(object: object, options: WriteOptions = {}): JsonObject {
    const { type, namespace, name } = this.#target(object, options);
    return this.#store.update(collectionKey(type.group, type.resource), namespace, name, toJson(object)).object;
  }

  /** create or update, as `kubectl apply` would. */
  apply(object: object, options: WriteOptions = {}): JsonObject {
    const { type, namespace, name } = this.#target(object, options);
    const exists = this.#store.get(collectionKey(type.group, type.resource), namespace, name) !== undefined;
    return exists ? this.update(object, options) : this.create(object, options);
  }

  delete(ref: ObjectRef, options: WriteOptions = {}): void {
    const { type, namespace, name } = this.#target(ref, options);
    this.#store.delete(collectionKey(type.group, type.resource), namespace, name);
  }

  /** Every open watch connection is cut without a proper end. Returns how many. */
  dropWatches(): number {
    return this.#forEachStream((stream) => stream.drop());
  }

  /** Every open watch ends cleanly, as at a server-side timeout. Returns how many. */
  closeWatches(): number {
    return this.#forEachStream((stream) => stream.end());
  }

  /** Every open watch stays connected but receives nothing more, not even bookmarks. New watches are unaffected. */
  stallWatches(): number {
    return this.#forEachStream((stream) => stream.stall());
  }

  /** Sends a BOOKMARK now to every open watch that asked for bookmarks. */
  bookmarkNow(): void {
    for (const stream of this.#streams) stream.bookmark();
  }

  /** Forgets the change history: a watch from any earlier resourceVersion is then refused with 410. */
  expireHistory(): void {
    this.#store.expireHistory();
  }

  /** The next `count` requests matching the filter get no answer at all (until the server closes). */
  hangNext({ verb, resource, count = 1 }: RequestFilter & { count?: number }): void {
    this.#failures.push({ ...(verb === undefined ? {} : { verb }), ...(resource === undefined ? {} : { resource }), code: 0, remaining: count });
  }

  /** The next `count` requests matching the filter are answered normally, but only after `ms`. */
  delayNext({ verb, resource, ms, count = 1 }: RequestFilter & { ms: number; count?: number }): void {
    this.#failures.push({ ...(verb === undefined ? {} : { verb }), ...(resource === undefined ? {} : { resource }), code: undefined, delayMs: ms, remaining: count });
  }

  /** The next `count` requests matching the filter are answered with `code` and a Status. */
  failNext({ verb, resource, code = 500, count = 1 }: RequestFilter & { code?: number; count?: number }): void {
    this.#failures.push({ ...(verb === undefined ? {} : { verb }), ...(resource === undefined ? {} : { resource }), code, remaining: count });
  }

  requests(filter: RequestFilter = {}): RecordedRequest[] {
    return this.#requests.filter((request) => matchesFilter(request, filter));
  }

  requestCount(filter: RequestFilter = {}): number {
    return this.requests(filter).length;
  }

  /** Watch events written so far, of one type or of all. */
  eventsSent(type?: WatchEventType): number {
    if (type !== undefined) return this.#sent.get(type) ?? 0;
    return [...this.#sent.values()].reduce((sum, count) => sum + count, 0);
  }

  async close(): Promise<void> {
    for (const stream of [...this.#streams]) stream.drop();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  // --- request handling ----------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake-kube');
    const method = (req.method ?? 'GET').toUpperCase();
    const resourcePath = parseResourcePath(url.pathname);
    const verb = requestVerb(method, url, resourcePath);
    const recorded: RecordedRequest = {
      method,
      path: url.pathname,
      verb,
      resource: resourcePath === undefined ? undefined : collectionKey(resourcePath.group, resourcePath.resource),
      query: Object.fromEntries(url.searchParams),
    };
    this.#requests.push(recorded);

    if (this.token !== null && req.headers.authorization !== `Bearer ${this.token}`) {
      sendStatus(res, 401, 'Unauthorized');
      return;
    }
    const failure = this.#failures.find((candidate) => candidate.remaining > 0 && matchesFilter(recorded, candidate));
    if (failure !== undefined) {
      failure.remaining -= 1;
      if (failure.code === undefined) {
        await new Promise((resolve) => setTimeout(resolve, failure.delayMs));
        if (res.destroyed) return;
      } else {
        // Code 0 (hangNext): leave the request unanswered, as a wedged server or proxy would.
        if (failure.code !== 0) sendStatus(res, failure.code, `injected failure (${failure.code})`);
        return;
      }
    }
    for (const route of this.#routes) {
      const match = route.method === method ? route.pattern.exec(url.pathname) : null;
      if (match !== null) {
        await route.handler(req, res, match, url);
        return;
      }
    }
    if (method !== 'GET') {
      sendStatus(res, 405, `the fake API server only reads (${method} ${url.pathname})`);
      return;
    }
    if (this.#discovery(url.pathname, req, res)) return;
    if (resourcePath === undefined) {
      sendStatus(res, 404, 'the server could not find the requested resource');
      return;
    }
    const type = this.#types.get(collectionKey(resourcePath.group, resourcePath.resource));
    if (type === undefined || !type.versions.includes(resourcePath.version)) {
      sendStatus(res, 404, 'the server could not find the requested resource');
      return;
    }
    if (verb === 'watch') this.#watch(type, resourcePath, url, res);
    else if (resourcePath.name !== undefined) this.#get(type, resourcePath, res);
    else this.#list(type, resourcePath, url, res);
  }

  #discovery(path: string, req: IncomingMessage, res: ServerResponse): boolean {
    const types = [...this.#types.values()];
    const trimmed = path.replace(/\/+$/, '') || '/';
    if (trimmed === '/version') return reply(res, versionInfo());
    if (trimmed === '/healthz' || trimmed === '/readyz' || trimmed === '/livez') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return true;
    }
    if (trimmed === '/api') return reply(res, coreVersions(`${req.socket.localAddress ?? '127.0.0.1'}:${this.port}`));
    if (trimmed === '/api/v1') return reply(res, resourceList(types, '', 'v1'));
    if (trimmed === '/apis') return reply(res, apiGroupList(types));
    const segments = trimmed.split('/').filter(Boolean);
    if (segments[0] === 'apis' && segments.length === 2) return reply(res, apiGroup(types, segments[1] as string) ?? notFound());
    if (segments[0] === 'apis' && segments.length === 3) {
      return reply(res, resourceList(types, segments[1] as string, segments[2] as string) ?? notFound());
    }
    return false;
  }

  #list(type: ResourceType, path: ResourcePath, url: URL, res: ServerResponse): void {
    const selector = this.#selector(url, res);
    if (selector === undefined) return;
    const items = this.#store
      .list(collectionKey(type.group, type.resource))
      .filter((stored) => (path.namespace === undefined || stored.namespace === path.namespace) && selector.matches(labelsOf(stored)))
      .sort((a, b) => compareKeys(a, b))
      .map((stored) => {
        const rendered = render(type, path.version, stored);
        if (type.builtin !== true) return rendered;
        const { apiVersion: _apiVersion, kind: _kind, ...item } = rendered;
        return item;
      });
    sendJson(res, 200, {
      apiVersion: groupVersion(type.group, path.version),
      kind: `${type.kind}List`,
      metadata: { resourceVersion: this.resourceVersion },
      items,
    });
  }

  #get(type: ResourceType, path: ResourcePath, res: ServerResponse): void {
    const stored =
      path.namespace === undefined || path.name === undefined
        ? undefined
        : this.#store.get(collectionKey(type.group, type.resource), path.namespace, path.name);
    if (stored === undefined) {
      sendStatus(res, 404, `${type.resource} "${path.name ?? ''}" not found`);
      return;
    }
    sendJson(res, 200, render(type, path.version, stored));
  }

  #watch(type: ResourceType, path: ResourcePath, url: URL, res: ServerResponse): void {
    const selector = this.#selector(url, res);
    if (selector === undefined) return;
    const collection = collectionKey(type.group, type.resource);
    const requested = url.searchParams.get('resourceVersion') ?? '';
    if (requested !== '' && !/^\d+$/.test(requested)) {
      sendStatus(res, 400, `invalid resource version "${requested}"`);
      return;
    }
    const changes = requested === '' || requested === '0' ? undefined : this.#store.changesSince(collection, Number(requested));
    const expiredMessage = `too old resource version: ${requested} (${this.resourceVersion})`;
    if (changes === 'expired' && this.#expiredWatch === 'status') {
      sendStatus(res, 410, expiredMessage, 'Expired');
      return;
    }
    const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? '0');
    const gv = groupVersion(type.group, path.version);
    const stream = new WatchStream({
      res,
      collection,
      namespace: path.namespace,
      selector,
      render: (stored) => render(type, path.version, stored),
      bookmarkObject: (resourceVersion) => ({ kind: type.kind, apiVersion: gv, metadata: { resourceVersion: String(resourceVersion) } }),
      bookmarkIntervalMs: isTrue(url.searchParams.get('allowWatchBookmarks')) ? this.#bookmarkIntervalMs : undefined,
      currentResourceVersion: () => this.#store.resourceVersion,
      timeoutMs: timeoutSeconds > 0 ? timeoutSeconds * 1000 : undefined,
      onClose: (closed) => this.#streams.delete(closed),
      onSent: (type) => this.#sent.set(type, (this.#sent.get(type) ?? 0) + 1),
    });
    if (changes === 'expired') {
      // The real server accepts the watch, then sends the Status as an ERROR event and ends it.
      stream.write('ERROR', statusObject(410, expiredMessage, 'Expired'));
      stream.end();
      return;
    }
    this.#streams.add(stream);
    this.#watchesOpened += 1;
    if (changes === undefined) {
      // No resourceVersion (or "0"): the current state first, as synthetic ADDED events.
      for (const stored of this.#store.list(collection).sort(compareKeys)) {
        if (stream.selects(stored)) stream.write('ADDED', render(type, path.version, stored));
      }
    } else {
      for (const change of changes) stream.send(change);
    }
  }

  #selector(url: URL, res: ServerResponse): LabelSelector | undefined {
    try {
      return parseLabelSelector(url.searchParams.get('labelSelector') ?? '');
    } catch (error) {
      if (!(error instanceof LabelSelectorError)) throw error;
      sendStatus(res, 400, `unable to parse requirement: ${error.message}`);
      return undefined;
    }
  }

  #forEachStream(action: (stream: WatchStream) => void): number {
    const streams = [...this.#streams];
    for (const stream of streams) action(stream);
    return streams.length;
  }

  #target(object: object, { as }: WriteOptions): { type: ResourceType; namespace: string; name: string } {
    const ref = object as ObjectRef;
    const name = ref.metadata?.name;
    const namespace = ref.metadata?.namespace ?? 'default';
    if (name === undefined || name === '') throw new Error('the object has no metadata.name');
    if (as !== undefined) return { type: as, namespace, name };
    const apiVersion = ref.apiVersion ?? '';
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
    const type = [...this.#types.values()].find((candidate) => candidate.group === group && candidate.kind === ref.kind);
    if (type === undefined) throw new Error(`the fake serves no ${ref.kind ?? '(no kind)'} in group "${group}"`);
    if (!type.versions.includes(version)) throw new Error(`${apiVersion} is not served (served: ${type.versions.join(', ')})`);
    return { type, namespace, name };
  }
}

// --- helpers ---------------------------------------------------------------------------------

function collectionKey(group: string, resource: string): string {
  return `${group}/${resource}`;
}

/** The stored object as served under `version`: only apiVersion is rewritten (conversion: None). */
function render(type: ResourceType, version: string, stored: StoredObject): JsonObject {
  return { ...structuredClone(stored.object), apiVersion: groupVersion(type.group, version) };
}

function labelsOf(stored: StoredObject): Record<string, string> {
  const metadata = isJsonObject(stored.object.metadata) ? stored.object.metadata : {};
  const labels = isJsonObject(metadata.labels) ? metadata.labels : {};
  return Object.fromEntries(Object.entries(labels).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

function compareKeys(a: StoredObject, b: StoredObject): number {
  const ka = `${a.namespace}/${a.name}`;
  const kb = `${b.namespace}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function parseResourcePath(pathname: string): ResourcePath | undefined {
  const segments = pathname.split('/').filter(Boolean);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    group = '';
    version = segments[1] as string;
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1] as string;
    version = segments[2] as string;
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  if (rest.length === 1) return { group, version, namespace: undefined, resource: rest[0] as string, name: undefined };
  if (rest[0] === 'namespaces' && (rest.length === 3 || rest.length === 4)) {
    return { group, version, namespace: rest[1], resource: rest[2] as string, name: rest[3] };
  }
  return undefined;
}

function requestVerb(method: string, url: URL, path: ResourcePath | undefined): RequestVerb {
  if (method !== 'GET') return 'other';
  if (path === undefined) return 'discovery';
  if (isTrue(url.searchParams.get('watch'))) return 'watch';
  return path.name === undefined ? 'list' : 'get';
}

function matchesFilter(request: RecordedRequest, filter: RequestFilter): boolean {
  if (filter.verb !== undefined && request.verb !== filter.verb) return false;
  if (filter.resource !== undefined && request.resource?.split('/')[1] !== filter.resource) return false;
  return true;
}

function isTrue(value: string | null): boolean {
  return value === 'true' || value === '1';
}

function reply(res: ServerResponse, body: JsonObject | undefined): true {
  if (body === undefined) sendStatus(res, 404, 'the server could not find the requested resource');
  else if (body.kind === 'Status') sendJson(res, typeof body.code === 'number' ? body.code : 404, body);
  else sendJson(res, 200, body);
  return true;
}

function notFound(): JsonObject {
  return statusObject(404, 'the server could not find the requested resource');
}

function toJson(object: object): JsonObject {
  const copy: unknown = JSON.parse(JSON.stringify(object));
  if (!isJsonObject(copy)) throw new Error('not a JSON object');
  return copy;
}
