// A simulated fleet of Linkerd proxies for scrape benches: N pods, each a real HTTP server on its
// own loopback address (127.1.0.1, 127.1.0.2, …: Linux routes all of 127.0.0.0/8 to lo, so
// nothing needs setting up), served by worker processes of up to `podsPerWorker` pods each, so
// that the fleet's CPU is never counted against the scraper being measured.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FleetWorkerConfig, FleetWorkerMessage } from './fleet-worker.js';

export interface FleetOptions {
  readonly pods: number;
  readonly podsPerWorker: number;
  /** Every pod's admin port (4191 is Linkerd's), each pod on its own address. */
  readonly port: number;
  readonly authorities: number;
  readonly gzip: boolean;
  /** How long the workers may take to listen on every address. */
  readonly startTimeoutMs: number;
  /** Called with every process started, so that the caller can kill it whatever happens. */
  readonly track: (child: ChildProcess) => void;
}

export interface FleetPod {
  readonly host: string;
  readonly address: string;
  readonly url: string;
  readonly namespace: string;
  readonly pod: string;
}

export interface FleetStats {
  readonly requests: number;
  readonly gzipped: number;
  readonly renders: number;
}

export interface Fleet {
  readonly pods: readonly FleetPod[];
  readonly pids: readonly number[];
  stats(): Promise<FleetStats>;
  stop(): Promise<void>;
}

/** The namespace of every client pod of the fleet. */
export const FLEET_NAMESPACE = 'fleet';

/**
 * Pod i's address: 127.A.B.C with C from 1 to 254 (no .0 or .255, which look like network and
 * broadcast addresses to tools that care) and A from 1, so 127.0.0.1 stays the bench's own.
 */
export function podHost(index: number): string {
  const block = Math.floor(index / 254);
  return `127.${1 + Math.floor(block / 256)}.${block % 256}.${(index % 254) + 1}`;
}

/**
 * A command line that raises the open-files soft limit to the hard limit and then becomes `argv`
 * (exec: same PID, so /proc/<pid> is the program's own). Thousands of sockets need more than the
 * usual soft limit of 1024, and Node cannot raise it for a child itself.
 */
export function withFileLimit(argv: readonly string[]): { command: string; args: string[] } {
  const script = 'h=$(ulimit -Hn); [ "$h" = unlimited ] && h=1048576; ulimit -n "$h" 2>/dev/null; exec "$@"';
  return { command: 'bash', args: ['-c', script, 'bash', ...argv] };
}

export async function startFleet(options: FleetOptions): Promise<Fleet> {
  const epochMs = Date.now();
  const pods: FleetPod[] = Array.from({ length: options.pods }, (_, index) => {
    const host = podHost(index);
    const address = `${host}:${options.port}`;
    return { host, address, url: `http://${address}/metrics`, namespace: FLEET_NAMESPACE, pod: `client-${index}` };
  });
  const workerFile = fileURLToPath(new URL('./fleet-worker.ts', import.meta.url));
  const workers: ChildProcess[] = [];
  const pending: Promise<void>[] = [];
  for (let first = 0; first < pods.length; first += options.podsPerWorker) {
    const config: FleetWorkerConfig = {
      hosts: pods.slice(first, first + options.podsPerWorker).map((pod) => pod.host),
      port: options.port,
      firstPod: first,
      authorities: options.authorities,
      gzip: options.gzip,
      epochMs,
    };
    const { command, args } = withFileLimit([process.execPath, '--import', 'tsx', workerFile]);
    const child = spawn(command, args, {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: { ...process.env, FLEET_WORKER: JSON.stringify(config) },
    });
    options.track(child);
    workers.push(child);
    pending.push(
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`fleet worker for pods ${first}… not listening after ${options.startTimeoutMs} ms`)), options.startTimeoutMs);
        child.on('message', (message: FleetWorkerMessage) => {
          if (message.type === 'ready') {
            clearTimeout(timer);
            resolve();
          } else if (message.type === 'failed') {
            clearTimeout(timer);
            reject(new Error(`fleet worker for pods ${first}…: ${message.message}`));
          }
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`fleet worker for pods ${first}… exited (${signal ?? `code ${code}`}) before listening`));
        });
      }),
    );
  }

  const stop = async (): Promise<void> => {
    await Promise.all(workers.map((worker) => stopChild(worker, 5000)));
  };
  try {
    await Promise.all(pending);
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    pods,
    pids: workers.map((worker) => worker.pid ?? -1),
    async stats() {
      const answers = await Promise.all(
        workers.map(
          (worker) =>
            new Promise<FleetStats>((resolve) => {
              const timer = setTimeout(() => resolve({ requests: 0, gzipped: 0, renders: 0 }), 2000);
              const onMessage = (message: FleetWorkerMessage): void => {
                if (message.type !== 'stats') return;
                clearTimeout(timer);
                worker.off('message', onMessage);
                resolve(message);
              };
              worker.on('message', onMessage);
              worker.send({ type: 'stats' });
            }),
        ),
      );
      return answers.reduce((sum, one) => ({
        requests: sum.requests + one.requests,
        gzipped: sum.gzipped + one.gzipped,
        renders: sum.renders + one.renders,
      }));
    },
    stop,
  };
}

/** SIGTERM, then SIGKILL when the child has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timeout = (ms: number): Promise<'timeout'> => new Promise((resolve) => setTimeout(() => resolve('timeout'), ms).unref());
  if ((await Promise.race([exited, timeout(graceMs)])) === 'timeout') {
    child.kill('SIGKILL');
    await Promise.race([exited, timeout(5000)]);
  }
}
