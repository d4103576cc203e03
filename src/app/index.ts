// app/: the composition root. Configuration (flags, env, YAML file) and the wiring of a running
// service from it; `serve`, `demo`, the end-to-end tests and the benchmarks all start it here.
export { readConfigFile, resolveServeConfig, SETTINGS } from './serve-config.js';
export type { RawSettings, ServeConfig, SettingKey } from './serve-config.js';
export { createLog, graphqlLogger, LOG_FORMATS, oneLine } from './log.js';
export type { Log, LogFormat, LogLevel } from './log.js';
export { startService } from './service.js';
export type { RunningService } from './service.js';
export { VERSION } from './version.js';
