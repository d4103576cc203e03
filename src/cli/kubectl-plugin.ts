// `kubectl splitstat ts`: kubectl runs the `kubectl-splitstat` binary with the words after
// `splitstat`, so under that name anything that is not one of splitstat's own commands is a
// `stat` command line (`ts`, `ts/web -n prod`, `-A ts`).
import path from 'node:path';

const PLUGIN_NAME = /^kubectl-splitstat(\.[cm]?[jt]s)?$/;
const TOP_LEVEL_WORDS = new Set(['help', '-h', '--help', '-V', '--version']);

/** argv in node's form (node, script, args…), with `stat` inserted when kubectl ran us for it. */
export function kubectlPluginArgv(argv: readonly string[], commandNames: readonly string[]): string[] {
  const [node = '', script = '', first, ...rest] = argv;
  if (first === undefined || !PLUGIN_NAME.test(path.basename(script))) return [...argv];
  if (commandNames.includes(first) || TOP_LEVEL_WORDS.has(first)) return [...argv];
  return [node, script, 'stat', first, ...rest];
}
