// The `splitstat` command line. Each subcommand lives in its own module; this file only wires
// commander, so `--help` is the one place that lists every command and flag.
import { Command, CommanderError, Option } from 'commander';
import { SETTINGS, VERSION } from '../app/index.js';
import type { RawSettings, SettingKey } from '../app/index.js';
import { runDemo } from './demo.js';
import { parseDurationFlag } from './flags.js';
import { runServe } from './serve.js';
import { registerStatCommand } from './stat/index.js';
import { processIo } from './io.js';
import type { CliIo } from './io.js';
import { kubectlPluginArgv } from './kubectl-plugin.js';

/** `io` lets tests run a command in-process: its output, environment and a stop signal (--watch). */
export async function runCli(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const program = new Command()
    .name('splitstat')
    .description('Per-backend request metrics for traffic splits (SMI TrafficSplits, weighted HTTPRoutes)')
    .version(VERSION, '-v, --version', 'print the version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
      outputError: (text, write) => write(text),
    });

  let action: Promise<number> = Promise.resolve(0);

  const serve = program
    .command('serve')
    .description('Run the service: scrape the mesh proxies, serve /metrics, /graphql (+GraphiQL), /healthz and /readyz')
    .option('--config <file>', 'YAML file with any of the settings below (keys as in the flags, camelCase); env SPLITSTAT_CONFIG');
  for (const [key, setting] of Object.entries(SETTINGS)) {
    const flag = `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)} <value>`;
    // A setting without a default is optional (its help says when it is needed) unless it says it is required.
    const shown = 'required' in setting ? 'required; ' : setting.default === undefined ? '' : `default: ${setting.default}; `;
    serve.option(flag, `${setting.help} (${shown}env ${setting.env})`);
  }
  serve.addHelpText(
    'after',
    '\nPrecedence: flags, then SPLITSTAT_* environment variables, then the --config file, then defaults.\n' +
      'Example: splitstat serve --splits ./trafficsplits/ --targets ./targets.yaml --listen :8080',
  );
  serve.action((options: Record<string, string | undefined>) => {
    const flags: RawSettings = {};
    for (const key of Object.keys(SETTINGS) as SettingKey[]) if (options[key] !== undefined) flags[key] = options[key];
    action = runServe({ configFile: options.config, flags });
  });

  program
    .command('demo')
    .description('Run a simulated Linkerd mesh on loopback, scrape it, and show a live `stat ts` table')
    .option('--scenario <file>', 'scenario YAML to simulate instead of the built-in one')
    .option('--print-scenario', 'print the built-in scenario (a starting point for your own) and exit')
    .option('--splits <file|dir>', 'instead of simulating: TrafficSplit manifests (YAML/JSON, watched for changes)')
    .option('--targets <file>', 'instead of simulating: the proxies to scrape (a static targets file)')
    .option('--cluster-domain <domain>', 'cluster domain in proxy authorities (with --splits/--targets)')
    .option('--listen <address>', 'where the service (GraphQL, /metrics) listens; another port if taken', '127.0.0.1:8080')
    .addOption(durationOption('--scrape-interval <duration>', 'how often to scrape the simulated proxies', '2s'))
    .addOption(durationOption('-t, --time-window <duration>', 'stat window (15s to 1h)', '1m'))
    .addOption(durationOption('--exit-after <duration>', 'stop by itself after this long (for scripts)'))
    .action((options: DemoCliOptions) => {
      action = runDemo({
        scenarioFile: options.scenario,
        printScenario: options.printScenario === true,
        splitsPath: options.splits,
        targetsFile: options.targets,
        clusterDomain: options.clusterDomain,
        listen: options.listen,
        scrapeInterval: options.scrapeInterval,
        window: options.timeWindow,
        exitAfterMs: options.exitAfter?.ms,
      });
    });

  // ---- stat: `splitstat stat ts` and `kubectl splitstat ts` (stat/command.ts, kubectl-plugin.ts)
  registerStatCommand(
    program,
    (next) => {
      action = next;
    },
    io,
  );
  const args = kubectlPluginArgv(argv, program.commands.map((command) => command.name()));
  // ---- end stat

  try {
    await program.parseAsync(args);
    return await action;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    io.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

interface DemoCliOptions {
  scenario?: string;
  printScenario?: boolean;
  splits?: string;
  targets?: string;
  clusterDomain?: string;
  listen: string;
  scrapeInterval: { text: string; ms: number };
  timeWindow: { text: string; ms: number };
  exitAfter?: { text: string; ms: number };
}

/** A Go-duration flag; commander does not run the parser on defaults, so parse those here. */
function durationOption(flags: string, description: string, defaultValue?: string): Option {
  const name = /--[a-z-]+/.exec(flags)?.[0] ?? flags;
  const parse = parseDurationFlag(name);
  const option = new Option(flags, description).argParser(parse);
  return defaultValue === undefined ? option : option.default(parse(defaultValue), defaultValue);
}
