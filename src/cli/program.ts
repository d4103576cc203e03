// The `splitstat` command line. Each subcommand lives in its own module; this file only wires
// commander, so `--help` is the one place that lists every command and flag.
import { Command, CommanderError, Option } from 'commander';
import { runDemo } from './demo.js';
import { parseDurationFlag } from './flags.js';

export async function runCli(argv: readonly string[]): Promise<number> {
  const program = new Command()
    .name('splitstat')
    .description('Per-backend request metrics for SMI TrafficSplits')
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text) });

  let action: Promise<number> = Promise.resolve(0);

  program
    .command('demo')
    .description('Run a simulated Linkerd mesh on loopback, scrape it, and show a live `stat ts` table')
    .option('--scenario <file>', 'scenario YAML to simulate instead of the built-in one')
    .option('--print-scenario', 'print the built-in scenario (a starting point for your own) and exit')
    .option('--splits <file|dir>', 'instead of simulating: TrafficSplit manifests (YAML/JSON, watched for changes)')
    .option('--targets <file>', 'instead of simulating: the proxies to scrape (a static targets file)')
    .option('--cluster-domain <domain>', 'cluster domain in proxy authorities (with --splits/--targets)', 'cluster.local')
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
        scrapeIntervalMs: options.scrapeInterval.ms,
        window: options.timeWindow,
        exitAfterMs: options.exitAfter?.ms,
      });
    });

  try {
    await program.parseAsync([...argv]);
    return await action;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    process.stderr.write(`Error: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

interface DemoCliOptions {
  scenario?: string;
  printScenario?: boolean;
  splits?: string;
  targets?: string;
  clusterDomain: string;
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
