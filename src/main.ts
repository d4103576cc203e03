#!/usr/bin/env node
// Entry point of the `splitstat` and `kubectl-splitstat` commands.
import { runCli } from './cli/index.js';

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
