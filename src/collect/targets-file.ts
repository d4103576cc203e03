// Static scrape targets from a YAML file (`--targets <file>`), for running without Kubernetes or
// against a fixed set of proxies. Strict on purpose: a typo in a key would otherwise silently
// drop what the user meant (`worklaod:` → no --from matching), so unknown keys are errors, and
// every error names the file, the line, the entry and the key.
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { z } from 'zod';
import type { ScrapeTarget, Workload } from './target.js';

export class TargetsFileError extends Error {
  override readonly name = 'TargetsFileError';
  /** One line per problem, each starting with the file name. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.problems = problems;
  }
}

const NAMESPACE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const WORKLOAD = /^([A-Za-z]+)\/([^/\s]+)$/;

/** A string field whose type errors say "required" when the key is missing. */
function text(): z.ZodString {
  return z.string({ error: (issue) => (issue.input === undefined ? 'required' : 'must be a string') });
}

const url = text().refine(isHttpUrl, { error: 'must be an http(s) URL' });

const namespace = text().refine((value) => value.length <= 63 && NAMESPACE.test(value), {
    error: 'must be a Kubernetes namespace name (lower-case letters, digits and "-", at most 63 characters)',
  });

const pod = text().refine((value) => value !== '' && !/\s/.test(value), { error: 'must be a non-empty name without spaces' });

const workload = text().refine((value) => WORKLOAD.test(value), { error: 'must be "kind/name", e.g. deployment/client' });

const entrySchema = z.strictObject(
  {
    url,
    namespace: namespace.optional(),
    pod: pod.optional(),
    workload: workload.optional(),
  },
  { error: 'expected a target mapping with a url' },
);

const fileSchema = z.strictObject(
  {
    targets: z.array(entrySchema, {
      error: (issue) => (issue.input === undefined ? 'required' : 'must be a list of targets'),
    }),
  },
  { error: 'expected a mapping with a "targets" list' },
);

const ENTRY_KEYS = Object.keys(entrySchema.shape).join(', ');

/** Reads and validates a targets file; throws TargetsFileError. */
export async function loadTargetsFile(path: string): Promise<ScrapeTarget[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String(error.code) : String(error);
    throw new TargetsFileError([`cannot read targets file ${path}: ${reason}`]);
  }
  return parseTargetsText(text, path);
}

/** Validates targets YAML; `fileName` is only used in error messages. Throws TargetsFileError. */
export function parseTargetsText(text: string, fileName: string): ScrapeTarget[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  if (document.errors.length > 0) {
    throw new TargetsFileError(
      document.errors.slice(0, 5).map((error) => {
        const at = error.linePos?.[0];
        const where = at === undefined ? '' : `${at.line}:${at.col}`;
        // The library appends " at line L, column C:" and a code excerpt; keep the first line only.
        const message = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:$/, '');
        return `${fileName}:${where}: ${message}`;
      }),
    );
  }
  const at = (path: readonly PropertyKey[], key?: string): string => {
    const line = lineOf(document, lineCounter, path, key);
    return line === undefined ? `${fileName}:` : `${fileName}:${line}:`;
  };
  const data: unknown = document.toJS();
  if (data === null || data === undefined) {
    throw new TargetsFileError([`${fileName}: empty file; expected a mapping with a "targets" list`]);
  }

  const result = fileSchema.safeParse(data);
  if (!result.success) {
    throw new TargetsFileError(
      result.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => `${at(issue.path, key)} ${describeUnknownKey(issue.path, key)}`)
          : [`${at(issue.path)} ${describeIssue(issue)}`],
      ),
    );
  }

  const targets = result.data.targets.map(toTarget);
  const problems: string[] = [];
  const seen = new Map<string, number>();
  targets.forEach((target, index) => {
    const first = seen.get(target.url);
    if (first === undefined) seen.set(target.url, index);
    else problems.push(`${at(['targets', index, 'url'])} targets[${index}].url: the same URL as targets[${first}]`);
  });
  if (problems.length > 0) throw new TargetsFileError(problems);
  return targets;
}

function toTarget(entry: z.infer<typeof entrySchema>): ScrapeTarget {
  const parsed = new URL(entry.url);
  return {
    url: entry.url,
    namespace: entry.namespace ?? 'default',
    pod: entry.pod ?? `${parsed.hostname}:${parsed.port === '' ? defaultPort(parsed.protocol) : parsed.port}`,
    workload: entry.workload === undefined ? undefined : toWorkload(entry.workload),
  };
}

function toWorkload(text: string): Workload {
  const match = WORKLOAD.exec(text);
  // The schema already checked the shape; the fallback only satisfies the type checker.
  const [, kind = '', name = ''] = match ?? [];
  return { kind: kind.toLowerCase(), name };
}

function isHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const parsed = new URL(value);
  return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname !== '';
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

/** `targets[2].url: must be an http(s) URL` */
function describeIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  return path === '' ? issue.message : `${path}: ${issue.message}`;
}

function describeUnknownKey(path: readonly PropertyKey[], key: string): string {
  const where = formatPath(path);
  return `${where === '' ? '' : `${where}.`}${key}: unknown key (expected ${where === '' ? 'targets' : ENTRY_KEYS})`;
}

/**
 * The line (from 1) of what `path` points at: the key itself when `key` is given, else the value;
 * for a missing value, the nearest mapping or list that holds the path.
 */
function lineOf(document: Document, lines: LineCounter, path: readonly PropertyKey[], key?: string): number | undefined {
  let node: unknown = document.contents;
  for (let depth = path.length; depth >= 0; depth--) {
    node = depth === 0 ? document.contents : document.getIn(path.slice(0, depth), true);
    if (node !== undefined && node !== null) break;
  }
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
    if (pair !== undefined && isScalar(pair.key)) node = pair.key;
  }
  const offset = (node as { range?: readonly number[] } | null)?.range?.[0];
  return offset === undefined ? undefined : lines.linePos(offset).line;
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
