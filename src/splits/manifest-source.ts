// TrafficSplits from manifest files on disk: one file or a directory tree (*.yaml, *.yml,
// *.json), watched, feeding a SplitStore. Used by `serve --splits <path>` and
// `stat ts --manifests <path>` where there is no cluster to ask.
//
// The rules follow what the same files would do to a cluster:
// - each file is applied on its own; a file that stops parsing is a rejected apply: its last
//   good splits stay and a problem is reported, other files are untouched;
// - a deleted file's splits go away;
// - the same namespace/name in two files is a conflict: the first file in path order wins and
//   the other copy is reported.
import { lstatSync, realpathSync } from 'node:fs';
import { lstat, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Stats } from 'node:fs';
import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';
import type { TrafficSplit } from './model.js';
import type { SplitStore } from './store.js';
import { describeSplit, parseManifestText } from './manifests.js';
import type { ManifestProblem } from './manifests.js';

export interface ManifestSplitSourceOptions {
  /** A manifest file, or a directory searched recursively for *.yaml, *.yml and *.json. */
  readonly path: string;
  readonly store: SplitStore;
  /** Namespace for splits whose manifest names none; default "default". */
  readonly defaultNamespace?: string;
  /** How long to gather file events before re-reading; editors write a file in several steps. */
  readonly debounceMs?: number;
  readonly log?: (line: string) => void;
  /** Bounds on what is read (MAX_MANIFEST_FILE_BYTES, MAX_MANIFEST_FILES by default). */
  readonly maxFileBytes?: number;
  readonly maxFiles?: number;
}

interface FileState {
  /** The splits of the file's last version that parsed (kept while the file is broken). */
  readonly splits: readonly TrafficSplit[];
  /** Problems of the file's current version. */
  readonly problems: readonly ManifestProblem[];
  /** The text last read, to skip re-parsing an unchanged file; undefined when unreadable. */
  readonly text: string | undefined;
}

const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

/**
 * chokidar reports at most one `change` per file every 50 ms and drops the rest without a
 * trailing event, so a second quick write could go unseen. Every file re-read because of an
 * event is read once more this long after the last such re-read.
 */
const RECHECK_DELAY_MS = 100;

/**
 * What one splits directory may make splitstat read. A Kubernetes object is at most ~1.5 MiB
 * (etcd's request limit), so a manifest file far beyond that is no cluster's; and a tree with
 * tens of thousands of manifests is a mistake (a volume mounted at the wrong place), not a
 * rollout. Beyond either, files are not read and each is reported as a problem.
 */
export const MAX_MANIFEST_FILE_BYTES = 8 * 1024 * 1024;
export const MAX_MANIFEST_FILES = 10_000;

export class ManifestSplitSource {
  readonly #root: string;
  /** The root with its links resolved, for telling which links leave it. */
  #realRoot: string | undefined;
  readonly #outsideLinks = new Set<string>();
  readonly #store: SplitStore;
  readonly #defaultNamespace: string | undefined;
  readonly #debounceMs: number;
  readonly #log: (line: string) => void;
  readonly #maxFileBytes: number;
  readonly #maxFiles: number;

  readonly #files = new Map<string, FileState>();
  /** Files with events not yet acted on. */
  readonly #pending = new Set<string>();
  #conflicts: ManifestProblem[] = [];
  #reported = new Set<string>();
  #watcher: FSWatcher | undefined;
  #directory = false;
  #timer: NodeJS.Timeout | undefined;
  /** Files to read once more, in case the watcher swallowed a change. */
  readonly #recheck = new Set<string>();
  #recheckTimer: NodeJS.Timeout | undefined;
  /** Reloads run one after another, never interleaved. */
  #reloading: Promise<void> = Promise.resolve();
  #ready = false;
  #stopped = false;
  #abandonStart: (() => void) | undefined;

  constructor({ path: root, store, defaultNamespace, debounceMs = 100, log = () => {}, maxFileBytes = MAX_MANIFEST_FILE_BYTES, maxFiles = MAX_MANIFEST_FILES }: ManifestSplitSourceOptions) {
    this.#maxFileBytes = maxFileBytes;
    this.#maxFiles = maxFiles;
    this.#root = path.resolve(root);
    this.#store = store;
    this.#defaultNamespace = defaultNamespace;
    this.#debounceMs = debounceMs;
    this.#log = log;
  }

  /** True once the initial load has reached the store. */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * Loads every manifest under the path into the store, then keeps watching. Rejects when the
   * path does not exist: a mistyped path should stop start-up, not serve an empty list.
   */
  async start(): Promise<void> {
    if (this.#watcher !== undefined) throw new Error('ManifestSplitSource already started');
    let rootStats: Stats;
    try {
      rootStats = await stat(this.#root);
    } catch (error) {
      throw new Error(`cannot read manifests at ${this.#root}: ${errorText(error)}`, { cause: error });
    }
    this.#directory = rootStats.isDirectory();
    // stop() while the path was being read: a watcher made now would never be closed.
    if (this.#stopped) return;

    // The watcher's own first scan finds the files, so nothing changed between a separate
    // scan and the start of watching can be missed.
    const watcher = watch(this.#root, {
      ignoreInitial: false,
      ignored: (file: string, stats?: Stats) => this.#isIgnored(file, stats),
    });
    this.#watcher = watcher;
    watcher.on('add', (file) => this.#onFileEvent(file));
    watcher.on('change', (file) => this.#onFileEvent(file));
    watcher.on('unlink', (file) => this.#onFileEvent(file));
    watcher.on('unlinkDir', (directory) => this.#onDirectoryRemoved(directory));
    watcher.on('error', (error) => this.#log(`manifests: watch error: ${errorText(error)}`));
    const scannedDirectories: string[] = [];
    const collectDirectory = (directory: string) => scannedDirectories.push(directory);
    watcher.on('addDir', collectDirectory);
    await new Promise<void>((resolve) => {
      watcher.once('ready', resolve);
      // stop() during start-up closes the watcher, which then never becomes ready.
      this.#abandonStart = resolve;
    });
    this.#abandonStart = undefined;
    watcher.off('addDir', collectDirectory);
    if (this.#stopped) return;

    // The watcher silently skips files it may not read; look for them so that they are
    // reported as problems instead of going missing without a word.
    if (this.#directory) {
      for (const file of await unreadableCandidates(scannedDirectories, this.#pending)) this.#onFileEvent(file);
    } else {
      this.#pending.add(this.#root);
    }

    await this.#reloadPending({ recheck: false });
    this.#ready = true;
    // Events that came in while the initial load was reading files.
    if (this.#pending.size > 0) this.#scheduleReload();
    this.#log(`manifests: watching ${this.#root}: ${this.#store.size} trafficsplit(s) from ${this.#files.size} file(s)`);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abandonStart?.();
    clearTimeout(this.#timer);
    clearTimeout(this.#recheckTimer);
    this.#timer = undefined;
    this.#recheckTimer = undefined;
    await this.#watcher?.close();
    await this.#reloading;
  }

  /** Current problems: unreadable or invalid files and documents, and conflicting definitions. */
  problems(): ManifestProblem[] {
    return this.#currentProblems();
  }

  #isIgnored(file: string, stats: Stats | undefined): boolean {
    if (!this.#directory) return false;
    const relative = path.relative(this.#root, file);
    if (relative === '') return false;
    // Hidden entries are skipped; this also skips the `..data` and `..<timestamp>` folders of a
    // mounted ConfigMap, whose files would otherwise be read twice.
    if (relative.split(path.sep).some((segment) => segment.startsWith('.'))) return true;
    if (this.#leavesTree(file)) return true;
    return stats?.isFile() === true && !hasManifestExtension(file);
  }

  /**
   * A symbolic link whose target is outside the directory (`ln -s / splits/all`) is not
   * followed: only the tree given is read. Links within it (a mounted ConfigMap's files point
   * into its `..data`) are followed as before.
   */
  #leavesTree(file: string): boolean {
    try {
      if (!lstatSync(file).isSymbolicLink()) return false;
      this.#realRoot ??= realpathSync(this.#root);
      const target = realpathSync(file);
      const inside = target === this.#realRoot || target.startsWith(this.#realRoot + path.sep);
      if (!inside && !this.#outsideLinks.has(file)) {
        this.#outsideLinks.add(file);
        this.#log(`manifests: ${file} links outside ${this.#root} (to ${target}); not followed`);
      }
      return !inside;
    } catch {
      // Gone, a loop or dangling: reading it reports why (unreadableCandidates).
      return false;
    }
  }

  #isManifest(file: string): boolean {
    return this.#directory ? hasManifestExtension(file) && !this.#isIgnored(file, undefined) : file === this.#root;
  }

  #onFileEvent(file: string): void {
    const absolute = path.resolve(file);
    if (this.#stopped || !this.#isManifest(absolute)) return;
    this.#pending.add(absolute);
    this.#scheduleReload();
  }

  #onDirectoryRemoved(directory: string): void {
    const prefix = path.resolve(directory) + path.sep;
    for (const file of this.#files.keys()) if (file.startsWith(prefix)) this.#pending.add(file);
    this.#scheduleReload();
  }

  #scheduleReload(): void {
    // Before the initial load everything is read at once; afterwards a burst of events is
    // gathered for debounceMs (from its first event, so a busy file cannot postpone it forever).
    if (!this.#ready || this.#stopped || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#reloadPending({ recheck: true }).catch((error: unknown) => this.#log(`manifests: reload failed: ${errorText(error)}`));
    }, this.#debounceMs);
  }

  #scheduleRecheck(files: readonly string[]): void {
    if (this.#stopped || files.length === 0) return;
    for (const file of files) this.#recheck.add(file);
    clearTimeout(this.#recheckTimer);
    this.#recheckTimer = setTimeout(() => {
      this.#recheckTimer = undefined;
      for (const file of this.#recheck) this.#pending.add(file);
      this.#recheck.clear();
      this.#reloadPending({ recheck: false }).catch((error: unknown) => this.#log(`manifests: reload failed: ${errorText(error)}`));
    }, RECHECK_DELAY_MS);
  }

  #reloadPending({ recheck }: { recheck: boolean }): Promise<void> {
    const run = this.#reloading.then(async () => {
      if (this.#stopped) return;
      const files = [...this.#pending].sort();
      this.#pending.clear();
      for (const file of files) await this.#reloadFile(file);
      if (this.#stopped) return;
      if (recheck) this.#scheduleRecheck(files);
      this.#publish();
    });
    // The caller hears about a failure (a throwing store listener, say); the chain carries on.
    this.#reloading = run.catch(() => {});
    return run;
  }

  async #reloadFile(file: string): Promise<void> {
    const previous = this.#files.get(file);
    if (previous === undefined && this.#files.size >= this.#maxFiles) {
      this.#keepLastGood(file, undefined, `not read: the directory holds more than ${this.#maxFiles} manifest files`, undefined);
      return;
    }
    let text: string;
    try {
      const { size } = await stat(file);
      if (size > this.#maxFileBytes) {
        this.#keepLastGood(file, previous, `not read: ${size} bytes, more than the ${this.#maxFileBytes}-byte limit of a manifest file`, undefined);
        return;
      }
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (isGone(error)) {
        if (previous !== undefined) this.#log(`manifests: ${file} removed (${previous.splits.length} trafficsplit(s))`);
        this.#files.delete(file);
        return;
      }
      this.#keepLastGood(file, previous, `cannot read file: ${errorText(error)}`, undefined);
      return;
    }
    if (previous !== undefined && previous.text === text) return;
    const result = parseManifestText(text, file, { defaultNamespace: this.#defaultNamespace });
    if (!result.readable) {
      this.#keepLastGood(file, previous, result.problems.map((problem) => problem.message).join('; '), text);
      return;
    }
    this.#files.set(file, { splits: result.splits, problems: result.problems, text });
  }

  #keepLastGood(file: string, previous: FileState | undefined, reason: string, text: string | undefined): void {
    const kept = previous?.splits ?? [];
    const message = kept.length > 0 ? `${reason}; keeping the ${kept.length} trafficsplit(s) of its last good version` : reason;
    this.#files.set(file, { splits: kept, problems: [{ file, message }], text });
  }

  /** Puts the union of all files into the store; the first file in path order wins a conflict. */
  #publish(): void {
    const owners = new Map<string, string>();
    const splits: TrafficSplit[] = [];
    const conflicts: ManifestProblem[] = [];
    for (const file of [...this.#files.keys()].sort()) {
      for (const split of this.#files.get(file)?.splits ?? []) {
        const owner = owners.get(split.key);
        if (owner !== undefined) {
          conflicts.push({ file, message: `${describeSplit(split)} is already defined in ${owner}; this definition is ignored` });
          continue;
        }
        owners.set(split.key, file);
        splits.push(split);
      }
    }
    this.#conflicts = conflicts;
    this.#store.replaceAll(splits);
    this.#logNewProblems();
  }

  #currentProblems(): ManifestProblem[] {
    const problems = [...this.#files.values()].flatMap((state) => state.problems).concat(this.#conflicts);
    return problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  }

  /** Logs each problem once, when it appears, so a steady problem does not flood the log. */
  #logNewProblems(): void {
    const current = new Set<string>();
    for (const problem of this.#currentProblems()) {
      const line = `manifests: problem: ${problem.file}: ${problem.message}`;
      current.add(line);
      if (!this.#reported.has(line)) this.#log(line);
    }
    this.#reported = current;
  }
}

/** Manifest files in the scanned directories that the watcher did not report. */
async function unreadableCandidates(directories: readonly string[], known: ReadonlySet<string>): Promise<string[]> {
  const found: string[] = [];
  for (const directory of directories) {
    let names: string[];
    try {
      names = await readdir(directory);
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.resolve(directory, name);
      if (known.has(file) || !hasManifestExtension(file)) continue;
      // A file, or a name that exists but cannot be followed (a symlink loop or a dangling link):
      // reading it then reports why, instead of the name silently not counting.
      const stats = await stat(file).catch(() => undefined);
      const exists = stats !== undefined || (await lstat(file).catch(() => undefined)) !== undefined;
      if (stats?.isFile() === true || (stats === undefined && exists)) found.push(file);
    }
  }
  return found;
}

function hasManifestExtension(file: string): boolean {
  const extension = path.extname(file).toLowerCase();
  return MANIFEST_EXTENSIONS.includes(extension);
}

function isGone(error: unknown): boolean {
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
