// Flag value parsers shared by the subcommands; they fail with the flag's name in the message.
import { InvalidArgumentError } from 'commander';
import { DurationError, parseGoDuration } from '../go/index.js';
import type { Duration } from '../go/index.js';

export function parseDurationFlag(flag: string): (value: string) => Duration {
  return (value) => {
    try {
      const ms = parseGoDuration(value);
      if (ms <= 0) throw new InvalidArgumentError(`${flag} must be a positive duration such as 30s or 1m, got ${JSON.stringify(value)}`);
      return { text: value, ms };
    } catch (error) {
      if (error instanceof DurationError) throw new InvalidArgumentError(`${flag}: ${error.message} (use Go duration syntax: 30s, 1m, 1m30s, 1h)`);
      throw error;
    }
  };
}
