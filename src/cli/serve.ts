// `splitstat serve`: the service a team deploys. Runs until SIGTERM/SIGINT, then stops accepting,
// lets in-flight requests finish and exits within 5 s.
import type { RawSettings } from '../app/index.js';
import { createLog, readConfigFile, resolveServeConfig, startService } from '../app/index.js';
import type { Log } from '../app/index.js';
import { untilStopped } from './signals.js';

export interface ServeOptions {
  readonly configFile?: string | undefined;
  readonly flags: RawSettings;
  readonly env?: NodeJS.ProcessEnv;
}

const SHUTDOWN_LIMIT_MS = 5000;

export async function runServe({ configFile, flags, env = process.env }: ServeOptions): Promise<number> {
  const fromEnv = env.SPLITSTAT_CONFIG === '' ? undefined : env.SPLITSTAT_CONFIG;
  const fileName = configFile ?? fromEnv;
  const file = fileName === undefined ? {} : await readConfigFile(fileName);
  const config = resolveServeConfig({ file, fileName, env, flags });
  const log: Log = createLog({ format: config.logFormat });
  const service = await startService(config, { log });
  const signal = await untilStopped();
  log(`${signal}: shutting down`);
  // Whatever still hangs after the limit must not keep the pod in Terminating.
  const hardStop = setTimeout(() => {
    log('shutdown took too long; exiting');
    process.exit(1);
  }, SHUTDOWN_LIMIT_MS);
  hardStop.unref();
  await service.close();
  clearTimeout(hardStop);
  return 0;
}
