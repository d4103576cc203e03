// Replays a Dockerfile's stages on the host, one directory per stage standing in for the image's
// filesystem: WORKDIR, ENV, COPY (from the .dockerignore-filtered context or from an earlier
// stage) and RUN (through /bin/sh, as Docker runs the shell form). What the base image brings
// (node, npm) comes from the host, and BuildKit cache mounts are stood in for by the host's own
// caches. Instructions outside that subset are refused rather than skipped.
import { spawn } from 'node:child_process';
import { cp, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseEnv, splitFlags } from './dockerfile.js';
import type { Instruction, Stage } from './dockerfile.js';

export interface ReplayedStage {
  readonly stage: Stage;
  /** Host directory that plays the stage's `/`. */
  readonly root: string;
  /** The stage's final WORKDIR, as a path inside the image. */
  readonly workdir: string;
  /** ENV set by the stage. */
  readonly env: Readonly<Record<string, string>>;
}

export interface ReplayOptions {
  readonly contextDir: string;
  /** Context files (posix, relative) after .dockerignore. */
  readonly contextFiles: readonly string[];
  /** Where stage directories are created. */
  readonly workspace: string;
  /** Environment for RUN steps, before the stage's ENV. */
  readonly runEnv: Readonly<Record<string, string>>;
  /** RUN steps are killed when this (Date.now() value) passes. */
  readonly deadline: number;
  readonly log: (line: string) => void;
}

const HANDLED = new Set(['WORKDIR', 'ENV', 'COPY', 'RUN', 'USER', 'EXPOSE', 'ENTRYPOINT', 'CMD', 'LABEL']);

/** Host path of a path inside a stage's image. */
export function hostPath(root: string, imagePath: string): string {
  return path.join(root, imagePath);
}

export async function replayStages(stages: readonly Stage[], options: ReplayOptions): Promise<ReplayedStage[]> {
  const done: ReplayedStage[] = [];
  for (const stage of stages) done.push(await replayStage(stage, done, options));
  return done;
}

async function replayStage(stage: Stage, earlier: readonly ReplayedStage[], options: ReplayOptions): Promise<ReplayedStage> {
  const root = path.join(options.workspace, `stage-${stage.index}-${stage.name ?? 'unnamed'}`);
  await mkdir(root, { recursive: true });
  let workdir = '/';
  const env: Record<string, string> = {};
  for (const instruction of stage.instructions) {
    const where = `Dockerfile:${instruction.line}: ${instruction.keyword} ${instruction.args}`;
    if (!HANDLED.has(instruction.keyword)) throw new Error(`${where}: not replayed by this test; extend test/packaging/replay.ts`);
    switch (instruction.keyword) {
      case 'WORKDIR':
        workdir = path.posix.resolve(workdir, instruction.args.trim());
        await mkdir(hostPath(root, workdir), { recursive: true });
        break;
      case 'ENV':
        for (const [key, value] of parseEnv(instruction.args)) env[key] = value;
        break;
      case 'COPY':
        await replayCopy(instruction, { root, workdir, earlier, options });
        break;
      case 'RUN': {
        const { flags, rest } = splitFlags(instruction.args);
        for (const [flag, value] of flags) {
          // A cache mount only speeds builds up; the host's caches (npm's ~/.npm) play its part.
          if (!(flag === 'mount' && value.split(',').includes('type=cache'))) throw new Error(`${where}: RUN --${flag}=${value} is not replayed`);
        }
        const started = Date.now();
        await runShell(rest, { cwd: hostPath(root, workdir), env: { ...options.runEnv, ...env }, deadline: options.deadline, what: where });
        options.log(`${where}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
        break;
      }
      default:
        // USER, EXPOSE, ENTRYPOINT, CMD, LABEL describe the image; the caller reads them.
        break;
    }
  }
  return { stage, root, workdir, env };
}

async function replayCopy(
  instruction: Instruction,
  { root, workdir, earlier, options }: { root: string; workdir: string; earlier: readonly ReplayedStage[]; options: ReplayOptions },
): Promise<void> {
  const where = `Dockerfile:${instruction.line}: COPY ${instruction.args}`;
  const { flags, rest } = splitFlags(instruction.args);
  const words = rest.split(/\s+/).filter((word) => word !== '');
  if (words.some((word) => /["'[]/.test(word))) throw new Error(`${where}: only the plain form is replayed`);
  const destination = words.pop();
  if (destination === undefined || words.length === 0) throw new Error(`${where}: needs a source and a destination`);
  for (const flag of flags.keys()) if (flag !== 'from' && flag !== 'link') throw new Error(`${where}: --${flag} is not replayed`);
  const destinationPath = path.posix.resolve(workdir, destination);
  const destinationIsDirectory = destination.endsWith('/') || words.length > 1 || (await isDirectory(hostPath(root, destinationPath)));

  const from = flags.get('from');
  if (from !== undefined) {
    const source = earlier.find((candidate) => candidate.stage.name === from || String(candidate.stage.index) === from);
    if (source === undefined) throw new Error(`${where}: no earlier stage ${from}`);
    for (const word of words) {
      const sourcePath = hostPath(source.root, path.posix.resolve(source.workdir, word));
      const directory = await isDirectory(sourcePath);
      const target = !directory && destinationIsDirectory ? path.posix.join(destinationPath, path.posix.basename(word)) : destinationPath;
      await cp(sourcePath, hostPath(root, target), { recursive: true, errorOnExist: false });
    }
    return;
  }

  for (const word of words) {
    const source = path.posix.normalize(word).replace(/^\/+/, '').replace(/\/+$/, '');
    const whole = source === '.' || source === '';
    const under = options.contextFiles.filter((file) => whole || file.startsWith(`${source}/`));
    if (!whole && options.contextFiles.includes(source)) {
      const target = destinationIsDirectory ? path.posix.join(destinationPath, path.posix.basename(source)) : destinationPath;
      await copyFile(options.contextDir, source, hostPath(root, target));
    } else if (under.length > 0) {
      for (const file of under) await copyFile(options.contextDir, file, hostPath(root, path.posix.join(destinationPath, whole ? file : file.slice(source.length + 1))));
    } else {
      throw new Error(`${where}: ${word} is not in the build context (missing, or excluded by .dockerignore)`);
    }
  }
}

async function copyFile(contextDir: string, file: string, target: string): Promise<void> {
  await mkdir(path.dirname(target), { recursive: true });
  await cp(path.join(contextDir, file), target, { dereference: true });
}

async function isDirectory(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isDirectory();
  } catch {
    return false;
  }
}

/** /bin/sh -c, bounded by the deadline; the whole process group goes if it overruns. */
export function runShell(command: string, { cwd, env, deadline, what }: { cwd: string; env: Readonly<Record<string, string>>; deadline: number; what: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString()).slice(-8000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(
      () => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is already gone.
        }
      },
      Math.max(0, deadline - Date.now()),
    );
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${what}: ${signal === null ? `exit code ${String(code)}` : `killed (${signal}), out of time`}\n${output}`));
    });
  });
}
