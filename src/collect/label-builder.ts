// Turning the label pairs of one sample line into the object a caller receives is where a simple
// parser spends most of its time, so this is kept apart from the grammar (exposition-lexer.ts,
// parser.ts), the way Prometheus keeps its labels builder apart from textparse. Three savings
// live here, and only here:
//
// - Names and label values are interned (intern.ts): one shared, detached string per distinct
//   value, and canonical property keys.
// - The previous line is remembered label by label. Exporters write consecutive lines that share
//   all but their last label or two (26 histogram buckets differ only in `le`), so a line is first
//   compared, as one native string comparison, with the previous line's text up to the end of one
//   of its last label values; on a match those labels are taken over instead of re-read.
// - A line with the previous line's label names is built by copying a template object and
//   overwriting the values that differ (see #labelObject), not by adding properties one by one.
//
// One builder serves one parse. The parser reports each line's labels in order (begin, then
// expected*/intern* and add per label, then finish); a line abandoned half way is simply followed
// by forget() or by the next begin().

import { canonicalKey, InternTable } from './intern.js';
import type { InternEntry } from './intern.js';

export interface LabelName {
  readonly key: string;
  /** Small sequential number, for spreading work over copy sites (see copyLabels). */
  readonly id: number;
  /** Line number this label was last set on, to reject duplicates without a lookup. */
  lastLine: number;
  /** `__proto__` must be defined, not assigned, or it would replace the object's prototype. */
  readonly needsDefine: boolean;
}

// The engine forgets an object layout once no object has it, and then throws away the compiled
// code that was specialised for it. Label layouts would all be gone after every full garbage
// collection between two scrapes, making the next parse run cold (several times slower). Keeping
// one label object per recent layout alive keeps those layouts, for a few kilobytes.
const LIVE_LAYOUTS = new Array<Record<string, string> | undefined>(256);

export class LabelBuilder {
  #nameCount = 0;
  readonly #names = new InternTable<LabelName>(
    (key): LabelName => ({
      key: canonicalKey(key),
      id: this.#nameCount++,
      lastLine: 0,
      needsDefine: key === '__proto__',
    }),
  );
  readonly #values = new InternTable<InternEntry>((key) => ({ key }));

  // The previous line, label by label; while a line is read, entries up to #length describe it
  // instead. Entries past the last complete line's count, and all of them after a malformed line,
  // are only guesses: the parser always checks them against the text.
  /** Where the previous sample line's name started, and its `{` relative to that (-1: none). */
  #start = 0;
  #brace = -1;
  /** How many labels the previous line had; 0 also when it was not a valid accepted sample. */
  #count = 0;
  readonly #lineNames: LabelName[] = [];
  readonly #lineValues: string[] = [];
  /** The value as written, when it had no escapes (so text equal to it means the same value). */
  readonly #plain: (string | undefined)[] = [];
  /**
   * Offset from the `{` just past each label value's closing quote. Relative to the brace, not
   * the line, so the offsets stay right for a line whose name differs in length (`_count`).
   */
  readonly #ends: number[] = [];

  // The line being read.
  /** Labels read so far, the reused prefix included. */
  #length = 0;
  #reused = 0;
  /** The previous line's label count, for telling whether this line has the same label names. */
  #countBefore = 0;
  /** Whether this line's label names so far are the previous line's, in the same order. */
  #sameNames = true;

  /**
   * The label object of the last line whose labels were built from scratch, the first
   * `#templateValid` of whose values the previous line shares. A line with the same label names
   * is built by copying it and overwriting the values from there on: one copy plus a store or two,
   * where adding each property (or adding to a copy, or copying a copy) costs several times more.
   */
  #template: Record<string, string> | undefined;
  #templateValid = 0;
  #templateSite = 0;

  /** Lets go of everything that belongs to the parse, keeping the (empty) builder itself. */
  release(): void {
    this.#names.clear();
    this.#values.clear();
    this.#count = 0;
    this.#lineNames.length = 0;
    this.#lineValues.length = 0;
    this.#plain.length = 0;
    this.#ends.length = 0;
    this.#template = undefined;
  }

  /** After a malformed line, which must not be taken for a previous line to share labels with. */
  forget(): void {
    this.#count = 0;
  }

  /** The previous line's `{`, relative to where its name started. */
  get previousBrace(): number {
    return this.#brace;
  }

  /**
   * How many leading labels of the previous line text[from, end) repeats. `from` is at the line's
   * name (compare names too) or at its `{` (names differ). Tries all but the last label, then all
   * but the last two; 0 when neither matches. The reused names are marked as set on `line`, for
   * the duplicate check.
   */
  sharedPrefix(text: string, from: number, end: number, fromName: boolean, line: number): number {
    const count = this.#count;
    if (count <= 1) return 0;
    const ends = this.#ends;
    const nameLength = fromName ? this.#brace : 0;
    const prevFrom = this.#start + this.#brace - nameLength;
    for (let k = count - 1; k >= 1 && k >= count - 2; k--) {
      const length = nameLength + (ends[k - 1] ?? 0);
      if (length <= end - from && text.slice(from, from + length) === text.slice(prevFrom, prevFrom + length)) {
        const names = this.#lineNames;
        for (let i = 0; i < k; i++) {
          const name = names[i];
          if (name !== undefined) name.lastLine = line;
        }
        return k;
      }
    }
    return 0;
  }

  /** Where, relative to the `{`, the first `count` shared labels end. */
  prefixEnd(count: number): number {
    return this.#ends[count - 1] ?? 0;
  }

  /** Starts a sample line whose first `reused` labels are the previous line's (sharedPrefix). */
  begin(reused: number): void {
    this.#countBefore = this.#count;
    this.#count = 0;
    this.#length = reused;
    this.#reused = reused;
    this.#sameNames = true;
  }

  /** The name the previous line had at the next label's position: the likely next name. */
  expectedName(): LabelName | undefined {
    return this.#lineNames[this.#length];
  }

  /** The entry for the label name text[start, end) at the next label's position. */
  internName(text: string, start: number, end: number): LabelName {
    const name = this.#names.get(text, start, end);
    const index = this.#length;
    if (name !== this.#lineNames[index]) {
      this.#sameNames = false;
      this.#lineNames[index] = name;
    }
    return name;
  }

  /** The previous line's value at the next label's position, when it was written plainly. */
  expectedValue(): string | undefined {
    return this.#plain[this.#length];
  }

  /** The shared string for the label value text[start, end), which has no escapes. */
  internValue(text: string, start: number, end: number): string {
    return this.#values.get(text, start, end).key;
  }

  /**
   * Records the next label. `plain` is the value when it was written without escapes, `endOffset`
   * the position past its closing quote relative to the `{`. False when `name` is already set on
   * this line, which makes the line malformed.
   */
  add(name: LabelName, value: string, plain: string | undefined, endOffset: number, line: number): boolean {
    const index = this.#length;
    this.#plain[index] = plain;
    if (name.lastLine === line) return false;
    name.lastLine = line;
    this.#lineValues[index] = value;
    this.#ends[index] = endOffset;
    this.#length = index + 1;
    return true;
  }

  /** Labels on the line being read, so far. */
  get length(): number {
    return this.#length;
  }

  /**
   * Ends a valid sample line, which becomes the previous line, and returns its label object: a
   * fresh one the caller may keep or change.
   */
  finish(nameStart: number, brace: number): Record<string, string> {
    const count = this.#length;
    this.#start = nameStart;
    this.#brace = brace < 0 ? -1 : brace - nameStart;
    this.#count = count;
    return this.#labelObject(count, this.#reused, this.#sameNames && count === this.#countBefore);
  }

  #labelObject(count: number, reused: number, sameNames: boolean): Record<string, string> {
    if (count === 0) return {};
    const names = this.#lineNames;
    const values = this.#lineValues;
    const template = this.#template;
    if (sameNames && template !== undefined) {
      const valid = Math.min(this.#templateValid, reused);
      if (valid > 0) {
        const labels = copyLabels(this.#templateSite, template);
        for (let i = valid; i < count; i++) setLabel(labels, names[i], values[i] ?? '');
        this.#templateValid = valid;
        return labels;
      }
    }
    const fresh: Record<string, string> = {};
    for (let i = 0; i < count; i++) setLabel(fresh, names[i], values[i] ?? '');
    this.#template = fresh;
    LIVE_LAYOUTS[this.#templateSite * 32 + ((names[0]?.id ?? 0) & 31)] = fresh;
    this.#templateValid = count;
    this.#templateSite = ((names[count - 1]?.id ?? 0) * 31 + count) & 7;
    // The template stays private, so a caller changing its sample's labels cannot leak into others.
    return copyLabels(this.#templateSite, fresh);
  }
}

/**
 * Copies a label object. The engine caches object layouts per copy site and gets several times
 * slower once one site has seen more than a few layouts; a proxy body has dozens of label
 * layouts, so copies are spread over identical sites by a number derived from the layout.
 */
function copyLabels(site: number, source: Record<string, string>): Record<string, string> {
  switch (site) {
    case 0:
      return { ...source };
    case 1:
      return { ...source };
    case 2:
      return { ...source };
    case 3:
      return { ...source };
    case 4:
      return { ...source };
    case 5:
      return { ...source };
    case 6:
      return { ...source };
    default:
      return { ...source };
  }
}

function setLabel(labels: Record<string, string>, name: LabelName | undefined, value: string): void {
  if (name === undefined) return;
  if (name.needsDefine) {
    // Assigning `__proto__` would change the prototype instead of adding a label.
    Object.defineProperty(labels, name.key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    labels[name.key] = value;
  }
}
