#!/usr/bin/env node
// Entry point of the `splitstat` and `kubectl-splitstat` commands.
import { setFlagsFromString } from 'node:v8';
import { runCli } from './cli/index.js';

// A scrape cycle runs for a fraction of a second every 10 s; in between, V8 flushes the bytecode
// of the functions the cycle ran and compiles it all again next time, about a quarter of a
// small fleet's CPU (BENCHMARKS.md). Kept unless node was started with an explicit choice.
if (!process.execArgv.some((flag) => flag.endsWith('flush-bytecode'))) setFlagsFromString('--no-flush-bytecode');

// A reader that stops early (`splitstat serve --help | head`) closes the pipe: that ends the
// output, not the program with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

process.exitCode = await runCli(process.argv);
// Every command has finished its work here. Something still holding the event loop open (a
// socket a failed start-up left behind) must not turn an error into a hang; the grace lets
// piped output drain first.
setTimeout(() => process.exit(), 3000).unref();
