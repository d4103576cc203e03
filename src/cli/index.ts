// cli/: the `splitstat` command line (serve, demo, stat) on top of app/ and api/.
export { runCli } from './program.js';
export { mayCarryKubeconfigToken } from './stat/index.js';
export type { CliIo } from './io.js';
