// The targets of `--targets <file>`, re-read whenever the file changes, as Prometheus re-reads its
// file_sd files: whatever keeps the list (a script, a config tool) rewrites the file and the next
// scrape cycle uses it, without a restart. A rewrite that does not read (half a file, a typo)
// keeps the targets read before, and says why once.
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import path from 'node:path';
import type { ScrapeTarget } from './target.js';
import { loadTargetsFile } from './targets-file.js';

export interface FileTargetsOptions {
  readonly log?: (line: string, level?: 'info' | 'warn' | 'error') => void;
  /** How long a burst of changes is gathered before the file is read again. */
  readonly debounceMs?: number;
}

export class FileTargets {
  readonly file: string;
  readonly #log: (line: string, level?: 'info' | 'warn' | 'error') => void;
  readonly #debounceMs: number;
  #targets: readonly ScrapeTarget[] = [];
  #loaded = false;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #reading: Promise<void> = Promise.resolve();
  #lastProblem: string | undefined;
  #stopped = false;

  constructor(file: string, { log = () => undefined, debounceMs = 200 }: FileTargetsOptions = {}) {
    this.file = file;
    this.#log = log;
    this.#debounceMs = debounceMs;
  }

  get ready(): boolean {
    return this.#loaded;
  }

  targets(): readonly ScrapeTarget[] {
    return this.#targets;
  }

  /** Reads the file (a file that does not read fails start-up), then follows its changes. */
  async start(): Promise<void> {
    this.#targets = await loadTargetsFile(this.file);
    this.#loaded = true;
    // The directory, not the file: a file replaced by a rename (as editors and tools write) is a
    // new file, which a watch on the old one would never see.
    try {
      this.#watcher = watch(path.dirname(this.file), (_event, name) => {
        if (name === null || name === path.basename(this.file)) this.#schedule();
      });
      this.#watcher.on('error', (error) => this.#log(`targets: cannot follow changes of ${this.file}: ${error.message}`, 'warn'));
    } catch (error) {
      this.#log(`targets: cannot follow changes of ${this.file}: ${error instanceof Error ? error.message : String(error)}`, 'warn');
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#watcher?.close();
    await this.#reading;
  }

  #schedule(): void {
    if (this.#stopped || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#reading = this.#reading.then(() => this.#reload());
    }, this.#debounceMs);
  }

  async #reload(): Promise<void> {
    if (this.#stopped) return;
    try {
      const targets = await loadTargetsFile(this.file);
      if (this.#stopped) return;
      this.#targets = targets;
      this.#lastProblem = undefined;
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      // A file missing for a moment (deleted, then written) says so once, not at every event.
      if (problem !== this.#lastProblem) this.#log(`targets: ${problem}; keeping the ${this.#targets.length} targets read before`, 'warn');
      this.#lastProblem = problem;
    }
  }
}
