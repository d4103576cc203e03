// Printing `stat ts` answers, once or with --watch: the same answer again every interval until
// Ctrl-C (or the io's signal). A terminal is redrawn in place; a pipe or file gets each output in
// turn, a blank line apart. A failed refresh is shown and the watch goes on: a server restart
// should not end it.
import type { CliIo } from '../io.js';
import { errorLine } from './fetch.js';
import type { RenderedOutput } from './table.js';

/** One answer; rejects with the error to show. */
export type StatFrame = (signal: AbortSignal | undefined) => Promise<RenderedOutput>;

export interface WatchOptions {
  readonly io: CliIo;
  readonly intervalMs: number;
  readonly frame: StatFrame;
}

/** Prints one answer (exit code 1 when it fails), or watches when given an interval. */
export async function printStat(io: CliIo, watchIntervalMs: number | null, frame: StatFrame): Promise<number> {
  if (watchIntervalMs !== null) return watchStat({ io, intervalMs: watchIntervalMs, frame });
  try {
    const output = await frame(io.signal);
    io.stdout.write(output.stdout);
    io.stderr.write(output.stderr);
    return 0;
  } catch (error) {
    io.stderr.write(errorLine(error));
    return 1;
  }
}

const CLEAR_SCREEN = '\x1b[H\x1b[2J';

export async function watchStat({ io, intervalMs, frame }: WatchOptions): Promise<number> {
  const stop = new AbortController();
  const onStop = (): void => stop.abort();
  process.once('SIGINT', onStop);
  process.once('SIGTERM', onStop);
  io.signal?.addEventListener('abort', onStop, { once: true });
  if (io.signal?.aborted === true) stop.abort();
  try {
    let printedBefore = false;
    while (!stop.signal.aborted) {
      let output: RenderedOutput;
      try {
        output = await frame(stop.signal);
      } catch (error) {
        output = { stdout: '', stderr: errorLine(error) };
      }
      if (stop.signal.aborted) break;
      if (io.stdout.isTTY === true) {
        io.stdout.write(CLEAR_SCREEN + output.stdout);
      } else if (output.stdout !== '') {
        io.stdout.write(printedBefore ? `\n${output.stdout}` : output.stdout);
        printedBefore = true;
      }
      if (output.stderr !== '') io.stderr.write(output.stderr);
      await sleep(intervalMs, stop.signal);
    }
  } finally {
    process.off('SIGINT', onStop);
    process.off('SIGTERM', onStop);
    io.signal?.removeEventListener('abort', onStop);
  }
  // Stopping a watch is how it is meant to end, not a failure.
  return 0;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
