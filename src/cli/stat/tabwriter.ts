// The part of Go's text/tabwriter that Linkerd's stat tables go through, reproduced so the
// layout (and therefore every byte of the table) is the same.
//
// Go's model: text is split into lines at '\n' and into cells at '\t'; a tab *terminates* a cell,
// so the text after a line's last tab is not part of any column and is written as is. A column
// is laid out per "column block": a run of consecutive lines that all have a terminated cell in
// that column. The block's width is its widest cell (in runes) plus the padding, and each cell is
// padded to that width (before the text when aligning right). Escapes, '\v', '\f', HTML
// filtering and padding with tabs are features Linkerd never used, so they are not modelled.

export interface TabwriterOptions {
  /** Minimal cell width including padding (Go's minwidth). */
  readonly minWidth?: number;
  /** Added to the widest cell of a column (Go's padding). */
  readonly padding?: number;
  /** Pad on the left of the text instead of the right (Go's tabwriter.AlignRight). */
  readonly alignRight?: boolean;
  /** The character cells are padded with (Go's padchar; '\t' is not supported). */
  readonly padChar?: string;
  /** Print '|' between cells (Go's tabwriter.Debug), which makes the layout visible in tests. */
  readonly debug?: boolean;
}

interface Cell {
  readonly text: string;
  /** Width as tabwriter measures it: UTF-8 runes, i.e. code points. */
  readonly width: number;
}

function runeCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function splitLines(text: string): Cell[][] {
  const parts = text.split('\n');
  return parts.map((line, index) => {
    const cells = line.split('\t');
    // A newline terminates the cell in progress even when it is empty, but at the end of the
    // input an empty unterminated cell does not exist (Go only terminates it if it has text).
    if (index === parts.length - 1 && cells[cells.length - 1] === '') cells.pop();
    return cells.map((cellText) => ({ text: cellText, width: runeCount(cellText) }));
  });
}

/** Formats `text` the way a Go tabwriter.Writer writes it on Flush. */
export function formatTabwriter(text: string, options: TabwriterOptions = {}): string {
  const { minWidth = 0, padding = 0, alignRight = false, padChar = ' ', debug = false } = options;
  if ([...padChar].length !== 1 || padChar === '\t') throw new RangeError('padChar must be one character other than a tab');
  const lines = splitLines(text);
  const widths: number[] = [];
  const out: string[] = [];

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const line = lines[i] ?? [];
      line.forEach((cell, column) => {
        const columnWidth = widths[column];
        const pad = columnWidth === undefined ? '' : padChar.repeat(Math.max(0, columnWidth - cell.width));
        if (debug && column > 0) out.push('|');
        out.push(alignRight || cell.text === '' ? pad + cell.text : cell.text + pad);
      });
      // The last line is the unterminated remainder of the input: no newline after it.
      if (i + 1 < lines.length) out.push('\n');
    }
  };

  // Lays out column `widths.length` for lines [from, to), recursing into each block's next column.
  const format = (from: number, to: number): void => {
    const column = widths.length;
    let blockStart = from;
    for (let i = from; i < to; i++) {
      if (column >= (lines[i]?.length ?? 0) - 1) continue;
      // Lines before this one have no cell in this column: they are finished.
      writeLines(blockStart, i);
      blockStart = i;
      let width = minWidth;
      for (; i < to; i++) {
        const cell = lines[i]?.[column];
        if (cell === undefined || column >= (lines[i]?.length ?? 0) - 1) break;
        width = Math.max(width, cell.width + padding);
      }
      widths.push(width);
      format(blockStart, i);
      widths.pop();
      // Line i (if any) has no cell in this column; skipping it in the outer loop is harmless,
      // it is written with the lines that follow.
      blockStart = i;
    }
    writeLines(blockStart, to);
  };

  format(0, lines.length);
  return out.join('');
}

/**
 * Lays out rows as Linkerd wrote them: every cell followed by a tab, every row by a newline,
 * right-aligned with `padding` spaces between columns.
 */
export function renderTabwriter(rows: readonly (readonly string[])[], padding = 3): string {
  const text = rows.map((cells) => cells.map((cell) => `${cell}\t`).join('') + '\n').join('');
  return formatTabwriter(text, { padding, alignRight: true });
}

/**
 * Removes the left padding that right alignment puts before the first column: the first
 * `padding` bytes of the output and the `padding` spaces after every newline. Output no longer
 * than `padding` bytes becomes empty, as in Linkerd.
 */
export function trimLeftPadding(output: string, padding = 3): string {
  const bytes = Buffer.from(output, 'utf8');
  const rest = bytes.length > padding ? bytes.subarray(padding).toString('utf8') : '';
  return rest.replaceAll(`\n${' '.repeat(padding)}`, '\n');
}
