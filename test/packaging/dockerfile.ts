// Reads the repository's Dockerfile and .dockerignore the way Docker does, for the packaging
// tests: the manifests test compares the Deployment with ENTRYPOINT/CMD/USER/EXPOSE, and the
// build-steps test replays the stages outside Docker. Only the subset the Dockerfile uses is
// understood; anything else is an error, so a new instruction cannot be silently skipped.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface Instruction {
  /** Upper-cased: FROM, RUN, COPY, … */
  readonly keyword: string;
  /** The rest of the instruction, continuation lines joined. */
  readonly args: string;
  /** 1-based line where the instruction starts, for messages. */
  readonly line: number;
}

export interface Stage {
  readonly index: number;
  readonly name: string | undefined;
  readonly base: string;
  readonly instructions: readonly Instruction[];
}

/** Instructions in order; comments, blank lines and parser directives dropped. */
export function parseInstructions(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  const lines = text.split('\n');
  let pending: { parts: string[]; line: number } | undefined;
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, '');
    const trimmed = line.trim();
    // Comment lines may sit inside a continued instruction; Docker drops them there too.
    if (trimmed.startsWith('#') || (trimmed === '' && pending === undefined)) continue;
    const continued = /\\\s*$/.test(line);
    const part = continued ? line.replace(/\\\s*$/, '') : line;
    pending ??= { parts: [], line: index + 1 };
    pending.parts.push(part.trim());
    if (continued) continue;
    const joined = pending.parts.filter((p) => p !== '').join(' ');
    const match = /^(\S+)\s*(.*)$/.exec(joined);
    if (match?.[1] !== undefined) instructions.push({ keyword: match[1].toUpperCase(), args: match[2] ?? '', line: pending.line });
    pending = undefined;
  }
  if (pending !== undefined) throw new Error(`Dockerfile:${pending.line}: instruction continues past the end of the file`);
  return instructions;
}

/** Splits instructions into stages at each FROM (`FROM image [AS name]`). */
export function parseStages(instructions: readonly Instruction[]): Stage[] {
  const stages: { index: number; name: string | undefined; base: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (match?.[1] === undefined) throw new Error(`Dockerfile:${instruction.line}: cannot read FROM ${instruction.args}`);
      stages.push({ index: stages.length, name: match[2], base: match[1], instructions: [] });
    } else {
      const current = stages.at(-1);
      if (current === undefined) throw new Error(`Dockerfile:${instruction.line}: ${instruction.keyword} before the first FROM`);
      current.instructions.push(instruction);
    }
  }
  return stages;
}

/** The JSON (exec) form of ENTRYPOINT/CMD; the shell form would put `sh -c` in front. */
export function execForm(instruction: Instruction): string[] {
  let value: unknown;
  try {
    value = JSON.parse(instruction.args);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value) || !value.every((item): item is string => typeof item === 'string')) {
    throw new Error(`Dockerfile:${instruction.line}: ${instruction.keyword} must use the exec form ["…", …], got ${instruction.args}`);
  }
  return value;
}

/** Leading `--name=value` flags of RUN/COPY, and the words after them. */
export function splitFlags(args: string): { flags: Map<string, string>; rest: string } {
  const flags = new Map<string, string>();
  let rest = args.trim();
  for (let match = /^--([a-z-]+)=(\S+)\s+/.exec(rest); match !== null; match = /^--([a-z-]+)=(\S+)\s+/.exec(rest)) {
    flags.set(match[1] ?? '', match[2] ?? '');
    rest = rest.slice(match[0].length);
  }
  return { flags, rest };
}

/** `ENV A=1 B="two words"` (and the legacy `ENV A 1`). */
export function parseEnv(args: string): [string, string][] {
  const legacy = /^([A-Za-z_][A-Za-z0-9_]*)\s+([^=]*)$/.exec(args.trim());
  if (legacy?.[1] !== undefined) return [[legacy[1], legacy[2] ?? '']];
  const pairs: [string, string][] = [];
  const pattern = /([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)\s*/gy;
  let consumed = 0;
  const text = args.trim();
  for (let match = pattern.exec(text); match !== null && match[0] !== ''; match = pattern.exec(text)) {
    const raw = match[2] ?? '';
    const value = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw.startsWith("'") ? raw.slice(1, -1) : raw;
    pairs.push([match[1] ?? '', value]);
    consumed = pattern.lastIndex;
  }
  if (consumed !== text.length) throw new Error(`cannot read ENV ${args}`);
  return pairs;
}

export interface DockerImage {
  readonly stages: readonly Stage[];
  readonly final: Stage;
  readonly entrypoint: readonly string[];
  readonly cmd: readonly string[];
  /** USER of the final stage, e.g. { uid: 65532, gid: 65532 }; undefined when it runs as root. */
  readonly user: { readonly uid: number; readonly gid: number } | undefined;
  readonly exposed: readonly number[];
}

/** The last ENTRYPOINT/CMD/USER/EXPOSE of the final stage: what a container of the image runs. */
export function describeImage(text: string): DockerImage {
  const stages = parseStages(parseInstructions(text));
  const final = stages.at(-1);
  if (final === undefined) throw new Error('Dockerfile: no FROM');
  const last = (keyword: string): Instruction | undefined => final.instructions.findLast((i) => i.keyword === keyword);
  const entrypoint = last('ENTRYPOINT');
  const cmd = last('CMD');
  const userText = last('USER')?.args.trim();
  let user: DockerImage['user'];
  if (userText !== undefined) {
    const match = /^(\d+)(?::(\d+))?$/.exec(userText);
    if (match?.[1] === undefined) throw new Error(`Dockerfile: USER ${userText} is not numeric; Kubernetes cannot verify runAsNonRoot for a name`);
    user = { uid: Number(match[1]), gid: Number(match[2] ?? match[1]) };
  }
  const exposed = final.instructions
    .filter((i) => i.keyword === 'EXPOSE')
    .flatMap((i) => i.args.trim().split(/\s+/))
    .map((port) => Number(port.replace(/\/tcp$/, '')));
  return {
    stages,
    final,
    entrypoint: entrypoint === undefined ? [] : execForm(entrypoint),
    cmd: cmd === undefined ? [] : execForm(cmd),
    user,
    exposed,
  };
}

export async function readDockerfile(): Promise<DockerImage> {
  return describeImage(await readFile(path.join(ROOT, 'Dockerfile'), 'utf8'));
}

// --- .dockerignore -------------------------------------------------------------------------

interface IgnoreRule {
  readonly negate: boolean;
  readonly pattern: RegExp;
  /** The cleaned pattern text, to decide whether an excluded directory may hold re-included paths. */
  readonly text: string;
}

/**
 * Docker's matching: each pattern is a Go filepath.Match pattern (plus `**`) on the path
 * relative to the context root; a pattern that matches a parent directory matches everything
 * below it; `!` re-includes; the last matching rule wins. Unlike shell globs, `*` matches
 * dotfiles.
 */
export class DockerIgnore {
  readonly #rules: IgnoreRule[];

  constructor(text: string) {
    this.#rules = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => {
        const negate = line.startsWith('!');
        const cleaned = path.posix.normalize((negate ? line.slice(1) : line).trim()).replace(/^\/+/, '').replace(/\/+$/, '');
        return { negate, pattern: globToRegExp(cleaned), text: cleaned };
      });
  }

  /** Whether the context path (posix, relative) is left out of the build context. */
  excludes(relative: string): boolean {
    const prefixes = parentsAndSelf(relative);
    let excluded = false;
    for (const rule of this.#rules) {
      if (prefixes.some((prefix) => rule.pattern.test(prefix))) excluded = !rule.negate;
    }
    return excluded;
  }

  /** An excluded directory must still be walked if a `!` rule could re-include something in it. */
  mayReinclude(directory: string): boolean {
    return this.#rules.some((rule) => rule.negate && (rule.text.startsWith(`${directory}/`) || /[*?[]/.test(rule.text.split('/')[0] ?? '')));
  }
}

function parentsAndSelf(relative: string): string[] {
  const parts = relative.split('/');
  return parts.map((_, index) => parts.slice(0, index + 1).join('/'));
}

/** Go filepath.Match syntax (`*`, `?`, `[…]`, `\` escapes) plus `**` for any number of directories. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` matches zero or more directories; a trailing `**` matches everything below.
      if (pattern[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end === -1) throw new Error(`.dockerignore: unterminated [ in ${pattern}`);
      // Go negates a class with ^, as regular expressions do.
      source += `[${pattern.slice(i + 1, end)}]`;
      i = end;
    } else if (c === '\\' && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[i + 1] ?? '');
      i += 1;
    } else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Every file of the build context (posix paths relative to root), as Docker would send it. */
export async function buildContextFiles(root: string, ignore: DockerIgnore): Promise<string[]> {
  const files: string[] = [];
  const walk = async (relative: string): Promise<void> => {
    const entries = await readdir(path.join(root, relative), { withFileTypes: true });
    for (const entry of entries) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      const excluded = ignore.excludes(child);
      if (entry.isDirectory()) {
        if (!excluded || ignore.mayReinclude(child)) await walk(child);
      } else if (!excluded && (entry.isFile() || entry.isSymbolicLink())) {
        files.push(child);
      }
    }
  };
  await walk('');
  return files.sort();
}
