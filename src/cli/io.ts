// Where the CLI writes and what it reads from its environment, injectable so that tests run
// commands in-process and can stop long-running ones.

export interface CliOutput {
  write(text: string): unknown;
  /** A terminal gets in-place redraws (`stat --watch`); anything else gets successive outputs. */
  readonly isTTY?: boolean | undefined;
}

export interface CliIo {
  readonly stdout: CliOutput;
  readonly stderr: CliOutput;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborting it stops a long-running command (`stat --watch`) the way Ctrl-C does. */
  readonly signal?: AbortSignal | undefined;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env };
}
