// splitstat's log: one line per event, so `kubectl logs`, Loki and friends see one event as one
// entry. JSON (time, level, msg, and an error's stack as a field) when stderr is not a terminal
// or when asked; `<time> <level> <message>` on a terminal. A message never spans lines: a
// multi-line text (a stack, a Kubernetes error body) is folded into one.
import type { YogaLogger } from 'graphql-yoga';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_FORMATS = ['auto', 'text', 'json'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** What every component is handed: a message, and how bad it is (info unless said). */
export type Log = (message: string, level?: LogLevel, fields?: Readonly<Record<string, string>>) => void;

export interface LogOptions {
  readonly format: LogFormat;
  readonly write?: (line: string) => void;
  /** Whether the output is a terminal (decides `auto`). */
  readonly isTTY?: boolean;
  readonly now?: () => number;
}

export function createLog({ format, write = (line) => void process.stderr.write(line), isTTY = process.stderr.isTTY, now = Date.now }: LogOptions): Log {
  const json = format === 'json' || (format === 'auto' && !isTTY);
  return (message, level = 'info', fields = {}) => {
    const time = new Date(now()).toISOString();
    const msg = oneLine(message);
    if (json) {
      write(`${JSON.stringify({ time, level, msg, ...fields })}\n`);
      return;
    }
    const extra = Object.entries(fields)
      .map(([name, value]) => ` ${name}=${JSON.stringify(oneLine(value))}`)
      .join('');
    write(`${time} ${level === 'info' ? '' : `${level} `}${msg}${extra}\n`);
  };
}

/** Folds line breaks (and the indentation after them) into " | ", so one event is one line. */
export function oneLine(text: string): string {
  return text.replace(/\s*(?:\r\n|[\n\r\u2028\u2029])\s*/g, ' | ').trim();
}

/**
 * GraphQL's own log through ours: an internal error (masked for the client as "Unexpected
 * error.") becomes one line with its message, its stack as a field, instead of a coloured
 * multi-line dump.
 */
export function graphqlLogger(log: Log): YogaLogger {
  const at =
    (level: LogLevel) =>
    (...args: unknown[]): void => {
      const error = args.find((arg): arg is Error => arg instanceof Error);
      const text = args.map((arg) => (arg instanceof Error ? arg.message : typeof arg === 'string' ? arg : safeJson(arg))).join(' ');
      log(`graphql: ${text}`, level, error?.stack === undefined ? {} : { stack: oneLine(error.stack) });
    };
  // Yoga's debug output is per request: not for a service log.
  return { debug: () => undefined, info: at('info'), warn: at('warn'), error: at('error') };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
