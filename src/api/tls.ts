// Serving over TLS (--tls-cert, --tls-key) where splitstat is not meshed, with the certificate
// and key read again when either file changes (cert-manager and Secret volumes replace them in
// place), so a renewed certificate is served without a restart. A pair that cannot be read or
// does not match keeps the one in use and is logged once per problem.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { Server } from 'node:https';
import { createSecureContext } from 'node:tls';

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

export interface TlsPair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export class TlsFilesError extends Error {
  override readonly name = 'TlsFilesError';
}

/** Reads the pair and checks that the key belongs to the certificate; throws TlsFilesError. */
export function readTlsPair({ certFile, keyFile }: TlsFiles): TlsPair {
  let pair: TlsPair;
  try {
    pair = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  } catch (error) {
    throw new TlsFilesError(`cannot read the TLS certificate or key: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  try {
    // Fails for a key that does not match the certificate, or text that is no PEM.
    createSecureContext(pair);
  } catch (error) {
    throw new TlsFilesError(`${certFile} and ${keyFile} are no usable certificate and key: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return pair;
}

export interface TlsReloadOptions {
  /** How often the files' status is polled: polling sees a Secret volume's symlink swap, which events may not. */
  readonly pollMs?: number;
  readonly log?: (line: string, level?: 'info' | 'warn' | 'error') => void;
}

/** Serves a new pair on `server` whenever the files change; returns what stops watching. */
export function reloadTlsOnChange(server: Server, files: TlsFiles, { pollMs = 5_000, log = () => undefined }: TlsReloadOptions = {}): () => void {
  let lastProblem: string | undefined;
  const reload = (): void => {
    let pair: TlsPair;
    try {
      pair = readTlsPair(files);
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      if (problem !== lastProblem) log(`TLS certificate not reloaded, the one in use stays: ${problem}`, 'warn');
      lastProblem = problem;
      return;
    }
    lastProblem = undefined;
    server.setSecureContext(pair);
    log(`TLS certificate reloaded from ${files.certFile}`);
  };
  const onChange = (current: { mtimeMs: number }, previous: { mtimeMs: number }): void => {
    if (current.mtimeMs !== previous.mtimeMs) reload();
  };
  const options = { interval: pollMs, persistent: false };
  watchFile(files.certFile, options, onChange);
  watchFile(files.keyFile, options, onChange);
  return () => {
    unwatchFile(files.certFile, onChange);
    unwatchFile(files.keyFile, onChange);
  };
}
