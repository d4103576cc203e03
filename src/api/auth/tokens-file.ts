// The static tokens of --auth token (`--auth-tokens-file`): who may call and which namespaces
// each caller sees. Strict on purpose, like every file splitstat reads: a misspelt key must not
// silently widen or narrow access. Errors name the file, the entry (by index and name), the key
// and the line; they never contain a token.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { isRecord } from '../../util/index.js';

export interface TokenEntry {
  /** For logs only. */
  readonly name: string;
  readonly token: string;
  readonly namespaces: 'all' | readonly string[];
}

export class TokensFileError extends Error {
  override readonly name = 'TokensFileError';
  /** One line per problem, each starting with the file name. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.problems = problems;
  }
}

/** Short tokens can be guessed; 16 characters is a floor, 32 random bytes in hex is better. */
export const MIN_TOKEN_LENGTH = 16;

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
// What an Authorization header can carry as one token (see bearer-token.ts).
const TOKEN = /^[\x21-\x7e]+$/;

function text(what: string) {
  return z.string({ error: (issue) => (issue.input === undefined ? 'required' : `must be ${what}`) });
}

const token = text('a string')
  .refine((value) => TOKEN.test(value), { error: 'must be printable ASCII without spaces (it is sent in an HTTP header)', abort: true })
  .refine((value) => value.length >= MIN_TOKEN_LENGTH, {
    error: `must be at least ${MIN_TOKEN_LENGTH} characters (e.g. the output of "openssl rand -hex 32")`,
  });

const namespace = text('a namespace name').refine((value) => value.length <= 63 && NAMESPACE.test(value), {
  error: 'must be a Kubernetes namespace name (lower-case letters, digits and "-", at most 63 characters)',
});

const namespaces = z.union([z.literal('all'), z.array(namespace).min(1, { error: 'must list at least one namespace (or be "all")' })], {
  error: (issue) => (issue.input === undefined ? 'required' : 'must be a list of namespaces or "all"'),
});

const entrySchema = z.strictObject(
  {
    name: text('a string').min(1, { error: 'must not be empty' }),
    token: token.optional(),
    tokenFile: text('a file path').min(1, { error: 'must not be empty' }).optional(),
    namespaces,
  },
  { error: 'expected a mapping with name, token (or tokenFile) and namespaces' },
);

const fileSchema = z.strictObject(
  {
    tokens: z.array(entrySchema, { error: (issue) => (issue.input === undefined ? 'required' : 'must be a list of token entries') }),
  },
  { error: 'expected a mapping with a "tokens" list' },
);

type Path = readonly (string | number)[];
interface Problem {
  readonly path: Path;
  readonly message: string;
}

/** Reads and validates a tokens file (and the tokenFiles it names); throws TokensFileError. */
export async function loadTokensFile(path: string): Promise<TokenEntry[]> {
  let source: string;
  try {
    source = await readFile(path, 'utf8');
  } catch (error) {
    throw new TokensFileError([`cannot read tokens file ${path}: ${errorCode(error)}`]);
  }
  return parseTokensText(source, path, (file) => readFile(resolve(dirname(path), file), 'utf8'));
}

/** `readTokenFile` reads a tokenFile (relative paths are the caller's to resolve). */
export async function parseTokensText(source: string, fileName: string, readTokenFile: (file: string) => Promise<string>): Promise<TokenEntry[]> {
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new TokensFileError(
      document.errors.slice(0, 5).map((error) => {
        const line = lineCounter.linePos(error.pos[0]).line;
        return `${fileName}: invalid YAML: ${(error.message.split('\n')[0] ?? '').trim()} (line ${line})`;
      }),
    );
  }
  let data: unknown;
  try {
    data = document.toJS();
  } catch (error) {
    // Unresolved aliases and alias bombs only surface when the document is built.
    throw new TokensFileError([`${fileName}: invalid YAML: ${error instanceof Error ? error.message : String(error)}`]);
  }
  if (data === null || data === undefined) throw new TokensFileError([`${fileName}: empty file; expected a mapping with a "tokens" list`]);

  const lineOf = (path: Path): number | undefined => {
    // A missing key has no node of its own: point at the nearest enclosing one.
    for (let depth = path.length; depth >= 0; depth--) {
      const node: unknown = depth === 0 ? document.contents : document.getIn(path.slice(0, depth), true);
      const start = rangeStart(node);
      if (start !== undefined) return lineCounter.linePos(start).line;
    }
    return undefined;
  };
  const entryName = (index: number): string | undefined => {
    const tokens = isRecord(data) ? data['tokens'] : undefined;
    const entry: unknown = Array.isArray(tokens) ? tokens[index] : undefined;
    return isRecord(entry) && typeof entry['name'] === 'string' && entry['name'] !== '' ? entry['name'] : undefined;
  };
  const describe = ({ path, message }: Problem): string => {
    const line = lineOf(path);
    const where = formatPath(path, entryName);
    return `${fileName}: ${where === '' ? '' : `${where}: `}${message}${line === undefined ? '' : ` (line ${line})`}`;
  };

  const parsed = fileSchema.safeParse(data);
  if (!parsed.success) {
    throw new TokensFileError(
      parsed.error.issues.flatMap((issue): string[] => {
        const path = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
        // Each unknown key by itself, in the path, so the message reads like every other one.
        if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => describe({ path: [...path, key], message: 'unknown key' }));
        return [describe({ path, message: issue.message })];
      }),
    );
  }

  const problems: Problem[] = [];
  const entries: TokenEntry[] = [];
  const firstByName = new Map<string, number>();
  const firstByToken = new Map<string, number>();
  for (const [index, entry] of parsed.data.tokens.entries()) {
    const at = (key: string): Path => ['tokens', index, key];
    const earlierName = firstByName.get(entry.name);
    if (earlierName === undefined) firstByName.set(entry.name, index);
    else problems.push({ path: at('name'), message: `the same name as ${formatPath(['tokens', earlierName], entryName)}` });

    let value: string | undefined;
    if (entry.token !== undefined && entry.tokenFile !== undefined) {
      problems.push({ path: at('tokenFile'), message: 'give token or tokenFile, not both' });
    } else if (entry.token !== undefined) {
      value = entry.token;
    } else if (entry.tokenFile !== undefined) {
      const read = await readTokenFile(entry.tokenFile).then(
        (contents) => ({ ok: true as const, token: contents.trim() }),
        (error: unknown) => ({ ok: false as const, message: `cannot read ${entry.tokenFile}: ${errorCode(error)}` }),
      );
      if (!read.ok) problems.push({ path: at('tokenFile'), message: read.message });
      else {
        const checked = token.safeParse(read.token);
        if (checked.success) value = checked.data;
        else problems.push({ path: at('tokenFile'), message: `the token in ${entry.tokenFile} ${checked.error.issues[0]?.message ?? 'is invalid'}` });
      }
    } else {
      problems.push({ path: ['tokens', index], message: 'needs token or tokenFile' });
    }
    if (value === undefined) continue;

    const earlierToken = firstByToken.get(value);
    if (earlierToken === undefined) firstByToken.set(value, index);
    else {
      const key = entry.token === undefined ? 'tokenFile' : 'token';
      problems.push({ path: at(key), message: `the same token as ${formatPath(['tokens', earlierToken], entryName)}` });
    }
    entries.push({ name: entry.name, token: value, namespaces: entry.namespaces === 'all' ? 'all' : [...new Set(entry.namespaces)] });
  }
  if (problems.length > 0) throw new TokensFileError(problems.map(describe));
  if (entries.length === 0) throw new TokensFileError([`${fileName}: tokens: lists no token, so nobody could call splitstat`]);
  return entries;
}

/** `tokens[1] ("ci").namespaces[0]` */
function formatPath(path: Path, entryName: (index: number) => string | undefined): string {
  let out = '';
  for (const [depth, key] of path.entries()) {
    if (typeof key === 'number') {
      out += `[${key}]`;
      const name = depth === 1 && path[0] === 'tokens' ? entryName(key) : undefined;
      if (name !== undefined) out += ` (${JSON.stringify(name)})`;
    } else out += out === '' ? key : `.${key}`;
  }
  return out;
}

function rangeStart(node: unknown): number | undefined {
  if (!isRecord(node)) return undefined;
  const range = node['range'];
  return Array.isArray(range) && typeof range[0] === 'number' ? range[0] : undefined;
}

function errorCode(error: unknown): string {
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message : String(error);
}
