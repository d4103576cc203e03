#!/usr/bin/env node
// Entry point of the `splitstat` and `kubectl-splitstat` commands.
import { runCli } from './cli/index.js';

process.exitCode = await runCli(process.argv);
// Every command has finished its work here. Something still holding the event loop open (a
// socket a failed start-up left behind) must not turn an error into a hang; the grace lets
// piped output drain first.
setTimeout(() => process.exit(), 3000).unref();
