#!/usr/bin/env node
// Entry point of the `splitstat` and `kubectl-splitstat` commands.
import { runCli } from './cli/program.js';

process.exitCode = await runCli(process.argv);
