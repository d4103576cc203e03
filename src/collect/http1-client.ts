// GET over HTTP/1.1 on kept-alive connections, with the response handed to a handler as it is
// read: its head, then views of the socket's own bytes, then its end. This is all a scrape needs,
// and it costs a little over half of what node:http does: fetching a 100-pod fleet's pages took
// 0.061 CPU-s per cycle with node:http (a request object, a response stream, header objects and
// the agent's bookkeeping per scrape, objects that outlive a young-generation collection while a
// page arrives), 0.038 with undici's dispatcher and 0.034 here (`npm run bench:fetch`,
// BENCHMARKS.md).
//
// What it reads: a status line and header fields (CRLF or bare LF line ends, at most
// MAX_HEAD_BYTES), 1xx responses skipped, and a body framed by Content-Length, by chunked
// transfer coding (extensions and trailers read and dropped) or by the connection's close.
// A connection is reused when the response said it could be and ended exactly where its framing
// said; anything else closes it. A request on a reused connection that the server had closed
// meanwhile (nothing of a response came back) is sent once more on a new one, as GET allows.
import net from 'node:net';
import tls from 'node:tls';

/** Largest status line plus header fields accepted (node:http's own limit is 16 KiB). */
export const MAX_HEAD_BYTES = 64 * 1024;
/** Largest chunk-size line or trailer line of a chunked body (its trailers in all: MAX_HEAD_BYTES). */
const MAX_CHUNK_LINE_BYTES = 4 * 1024;

export interface ResponseHead {
  readonly status: number;
  readonly statusText: string;
  /** Field names in lower case; a repeated field's values joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Receives one response. After onHead returns false, or after onEnd or onError, nothing more
 * is called. A request aborted with a reason ends in onError(reason).
 */
export interface ResponseHandler {
  /** Returns whether the body is wanted; when not, the connection is closed. */
  onHead(head: ResponseHead): boolean;
  /** A piece of the body: a view of bytes no one else writes to. Returns false to stop reading. */
  onData(chunk: Buffer): boolean;
  /** The body is over: whole, or cut short by the connection closing (`complete` false). */
  onEnd(complete: boolean): void;
  onError(error: Error): void;
}

export interface PendingRequest {
  /** Ends the request with `reason` given to the handler's onError, unless it is already over. */
  abort(reason: Error): void;
}

export interface Http1ClientOptions {
  /** Idle connections kept per origin. */
  readonly maxIdlePerOrigin: number;
  /** An idle connection unused this long is closed (by a sweep every half of it: within 1.5 times it). */
  readonly idleTimeoutMs: number;
  /** For https: trust and identity settings beyond Node's defaults (which check certificates). */
  readonly tls?: tls.ConnectionOptions | undefined;
}

/**
 * A GET made ready to be sent as often as wanted: where it goes and its bytes. A scraper sends the
 * same request to a target every cycle, and building it (the URL's parts, the request text and
 * its encoding) each time cost more than keeping it.
 */
export class GetRequest {
  readonly url: URL;
  /** `protocol//host`: what connections are pooled by. */
  readonly origin: string;
  readonly headerLines: string;
  /** The request line, Host and `headerLines`, and the blank line. */
  readonly bytes: Buffer;

  /** `headerLines`: each `Name: value\r\n`; Host is added here. */
  constructor(url: URL, headerLines: string) {
    this.url = url;
    this.origin = `${url.protocol}//${url.host}`;
    this.headerLines = headerLines;
    this.bytes = Buffer.from(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n${headerLines}\r\n`, 'latin1');
  }
}

export class Http1Client {
  /** Idle connections by origin, most recently used last; an origin's list stays while it is used. */
  readonly #idle = new Map<string, Connection[]>();
  #idleCount = 0;
  readonly #options: Http1ClientOptions;
  /**
   * One timer closes the connections idle too long, every half idleTimeoutMs, while any are idle:
   * a timeout per socket, set and cleared around every request, made a timer object and a move
   * in the timer queue per scrape, each timer living a minute (long enough to be promoted).
   */
  #sweeper: NodeJS.Timeout | undefined;

  constructor(options: Http1ClientOptions) {
    this.#options = options;
  }

  /** Sends the request; its response goes to `handler`. */
  get(request: GetRequest, handler: ResponseHandler): PendingRequest {
    const exchange = new ClientExchange(this, request, handler);
    exchange.send();
    return exchange;
  }

  /** An idle connection to `origin`, most recently used first, or a new one (always, with `fresh`). */
  connection(url: URL, origin: string, fresh: boolean): Connection {
    const reused = fresh ? undefined : this.#idle.get(origin)?.pop();
    if (reused === undefined) return new Connection(this, origin, connect(url, this.#options.tls));
    this.#idleCount--;
    reused.takeFromPool();
    return reused;
  }

  /** Keeps a connection whose last response ended cleanly, up to the limit per origin. */
  release(connection: Connection): void {
    let idle = this.#idle.get(connection.origin);
    if (idle === undefined) this.#idle.set(connection.origin, (idle = []));
    if (idle.length >= this.#options.maxIdlePerOrigin) {
      connection.close();
      return;
    }
    idle.push(connection);
    this.#idleCount++;
    connection.putInPool(performance.now());
    this.#sweeper ??= setInterval(() => this.#sweep(), Math.max(10, this.#options.idleTimeoutMs / 2)).unref();
  }

  /** Forgets an idle connection that closed. */
  forget(connection: Connection): void {
    const idle = this.#idle.get(connection.origin);
    const at = idle?.indexOf(connection) ?? -1;
    if (idle === undefined || at < 0) return;
    idle.splice(at, 1);
    this.#idleCount--;
  }

  /** Closes the connections idle for idleTimeoutMs or more, and forgets origins left with none. */
  #sweep(): void {
    const now = performance.now();
    for (const [origin, idle] of this.#idle) {
      // From the end: close() takes the connection out of this very list.
      for (let i = idle.length - 1; i >= 0; i--) {
        const connection = idle[i] as Connection;
        if (now - connection.idleSince >= this.#options.idleTimeoutMs) connection.close();
      }
      if (idle.length === 0) this.#idle.delete(origin);
    }
    if (this.#idleCount === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }
}

function connect(url: URL, tlsOptions: tls.ConnectionOptions | undefined): net.Socket {
  const secure = url.protocol === 'https:';
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  // URL keeps the brackets of an IPv6 literal; sockets want the address alone.
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  // SNI names a host, never an address (as node:https does).
  const socket = secure ? tls.connect({ ...tlsOptions, host, port, ...(net.isIP(host) === 0 ? { servername: host } : {}), ALPNProtocols: ['http/1.1'] }) : net.connect({ host, port });
  socket.setNoDelay(true);
  return socket;
}

/**
 * One socket and the response being read on it. Its listeners are added once, for the socket's
 * life, and pass what happens to the exchange it serves at the time.
 */
class Connection {
  readonly origin: string;
  readonly #client: Http1Client;
  readonly #socket: net.Socket;
  #exchange: ClientExchange | undefined;
  #closed = false;
  /** Whether a response has been read whole on this socket: a closed reused socket is retried. */
  used = false;
  /** When it was last put in the pool (performance.now()). */
  idleSince = 0;

  constructor(client: Http1Client, origin: string, socket: net.Socket) {
    this.origin = origin;
    this.#client = client;
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      if (this.#exchange === undefined) this.close();
      else this.#exchange.read(chunk);
    });
    socket.on('end', () => this.#lost(undefined));
    socket.on('close', () => this.#lost(undefined));
    socket.on('error', (error: Error) => this.#lost(error));
  }

  serve(exchange: ClientExchange, request: Buffer): void {
    this.#exchange = exchange;
    this.#socket.write(request);
  }

  /** The exchange is over: the connection goes back to the pool or is closed. */
  finish(reusable: boolean): void {
    this.#exchange = undefined;
    if (reusable && !this.#closed) {
      this.used = true;
      this.#client.release(this);
    } else this.close();
  }

  takeFromPool(): void {
    this.#socket.ref();
  }

  putInPool(now: number): void {
    // An idle connection neither keeps the process alive nor stays open for ever (the client's sweep).
    this.idleSince = now;
    this.#socket.unref();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.destroy();
    this.#client.forget(this);
  }

  #lost(error: Error | undefined): void {
    const exchange = this.#exchange;
    this.#exchange = undefined;
    this.close();
    exchange?.lost(error);
  }
}

type Phase = 'head' | 'length' | 'chunk-size' | 'chunk-data' | 'chunk-end' | 'trailers' | 'until-close' | 'over';

/** One GET and the reading of its response, on one connection (two if the first was stale). */
class ClientExchange implements PendingRequest {
  readonly #client: Http1Client;
  readonly #request: GetRequest;
  readonly #handler: ResponseHandler;
  #connection: Connection | undefined;
  #retried = false;
  #phase: Phase = 'head';
  /**
   * The head's bytes while it is not complete: a buffer that doubles as it fills, so a head that
   * comes a byte per read is copied a few times in all, not once per read.
   */
  #headBuffer: Buffer | undefined;
  #headLength = 0;
  /** Bytes of a chunk-size line or trailer line not complete yet. */
  #pending: Buffer | undefined;
  /** Bytes of the trailer section so far. */
  #trailerBytes = 0;
  /** Body bytes still to come in the Content-Length, or in the current chunk. */
  #remaining = 0;
  #reusable = false;
  #responseStarted = false;

  constructor(client: Http1Client, request: GetRequest, handler: ResponseHandler) {
    this.#client = client;
    this.#request = request;
    this.#handler = handler;
  }

  /** Sends the request; on a new connection when `fresh` (a retry: the pool may hold more stale ones). */
  send(fresh = false): void {
    const request = this.#request;
    this.#connection = this.#client.connection(request.url, request.origin, fresh);
    this.#connection.serve(this, request.bytes);
  }

  abort(reason: Error): void {
    if (this.#phase === 'over') return;
    this.#phase = 'over';
    this.#connection?.close();
    this.#handler.onError(reason);
  }

  /** The connection ended (EOF, close or an error) while this exchange was on it. */
  lost(error: Error | undefined): void {
    if (this.#phase === 'over') return;
    const connection = this.#connection;
    // A kept-alive socket the server closed while idle: nothing of ours was answered, so the GET
    // goes once more on a new connection.
    if (!this.#responseStarted && connection?.used === true && !this.#retried) {
      this.#retried = true;
      this.send(true);
      return;
    }
    const phase = this.#phase;
    this.#phase = 'over';
    if (phase === 'until-close' && error === undefined) this.#handler.onEnd(true);
    else if (phase !== 'head' && (error === undefined || isConnectionReset(error))) this.#handler.onEnd(false);
    else this.#handler.onError(error ?? new Error('the connection closed before a response came'));
  }

  /** Bytes from the socket: parsed where they belong, body bytes handed on as views. */
  read(chunk: Buffer): void {
    this.#responseStarted = true;
    let bytes = chunk;
    let at = 0;
    try {
      while (at < bytes.length && this.#phase !== 'over') {
        switch (this.#phase) {
          case 'head': {
            const earlier = this.#headLength;
            const joined = earlier === 0 ? bytes.subarray(at) : this.#appendHead(bytes.subarray(at));
            // Only the new bytes need searching, and the blank line may begin up to two bytes before them.
            const end = headEnd(joined, Math.max(0, earlier - 2));
            if (end < 0) {
              if (joined.length > MAX_HEAD_BYTES) throw new Error(`response headers larger than ${MAX_HEAD_BYTES} bytes`);
              if (earlier === 0) this.#appendHead(joined);
              return;
            }
            if (end > MAX_HEAD_BYTES) throw new Error(`response headers larger than ${MAX_HEAD_BYTES} bytes`);
            this.#headBuffer = undefined;
            this.#headLength = 0;
            bytes = joined;
            at = end;
            this.#head(joined.toString('latin1', 0, end));
            break;
          }
          case 'length':
          case 'chunk-data':
          case 'until-close': {
            const take = this.#phase === 'until-close' ? bytes.length - at : Math.min(this.#remaining, bytes.length - at);
            const piece = bytes.subarray(at, at + take);
            at += take;
            this.#remaining -= take;
            if (!this.#handler.onData(piece)) {
              this.#stop();
              return;
            }
            if (this.#phase === 'length' && this.#remaining === 0) this.#end();
            else if (this.#phase === 'chunk-data' && this.#remaining === 0) this.#phase = 'chunk-end';
            break;
          }
          case 'chunk-size':
          case 'chunk-end':
          case 'trailers': {
            const line = this.#line(bytes, at);
            if (line === undefined) return;
            at = line.next;
            this.#chunkLine(line.text);
            break;
          }
        }
      }
    } catch (error) {
      this.#fail(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    // Bytes past the end of a response: the server does not frame as we read it. Not reused.
    if (this.#phase === 'over' && at < bytes.length) this.#connection?.close();
  }

  /** Adds to the head's bytes; the head so far. */
  #appendHead(bytes: Buffer): Buffer {
    const needed = this.#headLength + bytes.length;
    let buffer = this.#headBuffer;
    if (buffer === undefined || buffer.length < needed) {
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * (buffer?.length ?? 0), 1024));
      buffer?.copy(grown, 0, 0, this.#headLength);
      this.#headBuffer = buffer = grown;
    }
    bytes.copy(buffer, this.#headLength);
    this.#headLength = needed;
    return buffer.subarray(0, needed);
  }

  #head(text: string): void {
    const lines = text.split('\n');
    const statusLine = trimCr(lines[0] ?? '');
    const match = /^HTTP\/1\.([01]) ([0-9]{3})(?: (.*))?$/.exec(statusLine);
    if (match === null) throw new Error(`malformed status line ${JSON.stringify(statusLine.slice(0, 80))}`);
    const status = Number(match[2]);
    const headers: Record<string, string> = Object.create(null) as Record<string, string>;
    for (let i = 1; i < lines.length; i++) {
      const line = trimCr(lines[i] as string);
      if (line === '') continue;
      const colon = line.indexOf(':');
      if (colon <= 0 || /[\s]/.test(line.slice(0, colon))) throw new Error(`malformed header line ${JSON.stringify(line.slice(0, 80))}`);
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      const earlier = headers[name];
      headers[name] = earlier === undefined ? value : `${earlier}, ${value}`;
    }
    if (status >= 100 && status < 200) {
      if (status === 101) throw new Error('the server switched protocols');
      return; // An interim response: the real one follows.
    }
    const http11 = match[1] === '1';
    const connection = (headers.connection ?? '').toLowerCase().split(',').map((token) => token.trim());
    const framing = bodyFraming(status, headers);
    // A body read to the connection's close leaves nothing to reuse.
    this.#reusable = framing.phase !== 'until-close' && (http11 ? !connection.includes('close') : connection.includes('keep-alive'));
    if (!this.#handler.onHead({ status, statusText: match[3] ?? '', headers })) {
      this.#stop();
      return;
    }
    // The handler may have aborted the request from onHead.
    if (this.#phase === 'over') return;
    this.#remaining = framing.length;
    if (framing.phase === 'length' && framing.length === 0) this.#end();
    else this.#phase = framing.phase;
  }

  /** One line of a chunked body's framing: a chunk's size, the end of its data, or a trailer. */
  #chunkLine(text: string): void {
    if (this.#phase === 'chunk-size') {
      const size = text.split(';', 1)[0]?.trim() ?? '';
      if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw new Error(`invalid chunk size ${JSON.stringify(text.slice(0, 40))}`);
      this.#remaining = Number.parseInt(size, 16);
      this.#phase = this.#remaining === 0 ? 'trailers' : 'chunk-data';
    } else if (this.#phase === 'chunk-end') {
      if (text !== '') throw new Error('a chunk longer than its size');
      this.#phase = 'chunk-size';
    } else if (text === '') this.#end();
    else {
      this.#trailerBytes += text.length;
      if (this.#trailerBytes > MAX_HEAD_BYTES) throw new Error(`trailers larger than ${MAX_HEAD_BYTES} bytes`);
    }
  }

  /** The next line from `at` (CR dropped), or undefined when it has not all come yet. */
  #line(bytes: Buffer, at: number): { text: string; next: number } | undefined {
    const newline = bytes.indexOf(10, at);
    if (newline < 0) {
      this.#pending = this.#pending === undefined ? Buffer.from(bytes.subarray(at)) : Buffer.concat([this.#pending, bytes.subarray(at)]);
      if (this.#pending.length > MAX_CHUNK_LINE_BYTES) throw new Error(`a chunked body's framing line longer than ${MAX_CHUNK_LINE_BYTES} bytes`);
      return undefined;
    }
    const rest = bytes.toString('latin1', at, newline);
    const text = this.#pending === undefined ? rest : this.#pending.toString('latin1') + rest;
    this.#pending = undefined;
    if (text.length > MAX_CHUNK_LINE_BYTES) throw new Error(`a chunked body's framing line longer than ${MAX_CHUNK_LINE_BYTES} bytes`);
    return { text: trimCr(text), next: newline + 1 };
  }

  #end(): void {
    this.#phase = 'over';
    this.#connection?.finish(this.#reusable);
    this.#handler.onEnd(true);
  }

  /** The handler wants no more: the rest of the response is not read, so the socket goes. */
  #stop(): void {
    this.#phase = 'over';
    this.#connection?.close();
  }

  #fail(error: Error): void {
    this.#phase = 'over';
    this.#connection?.close();
    this.#handler.onError(error);
  }
}

/**
 * How a response's body is delimited (RFC 9112, section 6.3): none for 204 and 304, the last
 * transfer coding when there is one (chunked, or else the connection's close, Content-Length
 * ignored), Content-Length (repeated values must agree), or else the connection's close.
 */
function bodyFraming(status: number, headers: Readonly<Record<string, string>>): { phase: 'length' | 'chunk-size' | 'until-close'; length: number } {
  if (status === 204 || status === 304) return { phase: 'length', length: 0 };
  const transferEncoding = headers['transfer-encoding'];
  if (transferEncoding !== undefined) {
    const codings = transferEncoding.toLowerCase().split(',');
    return { phase: codings[codings.length - 1]?.trim() === 'chunked' ? 'chunk-size' : 'until-close', length: 0 };
  }
  const declared = headers['content-length'];
  if (declared === undefined) return { phase: 'until-close', length: 0 };
  const values = new Set(declared.split(',').map((value) => value.trim()));
  const [only] = values;
  if (values.size !== 1 || only === undefined || !/^[0-9]{1,15}$/.test(only)) throw new Error(`invalid Content-Length ${JSON.stringify(declared.slice(0, 40))}`);
  return { phase: 'length', length: Number(only) };
}

/** Where a response head ends (after its blank line), or -1; the blank line's first LF is at `from` or later. */
function headEnd(bytes: Buffer, from: number): number {
  for (let at = bytes.indexOf(10, from); at >= 0; at = bytes.indexOf(10, at + 1)) {
    if (bytes[at + 1] === 10) return at + 2;
    if (bytes[at + 1] === 13 && bytes[at + 2] === 10) return at + 3;
  }
  return -1;
}

function trimCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function isConnectionReset(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ECONNRESET' || code === 'EPIPE';
}
