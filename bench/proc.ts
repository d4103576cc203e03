// What the benches read of a process from /proc: CPU time (utime + stime, all threads or one),
// page faults and memory. Read the same way for every tool measured, Prometheus included.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export const CLOCK_TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** The fields of a /proc stat file after the command name, so that fields[0] is field 3 (state). */
function statFields(file: string): string[] {
  const stat = readFileSync(file, 'utf8');
  // The command name (field 2) may hold spaces and parentheses; the fields after it do not.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime of the process (all its threads), or of its thread `tid`, in seconds. */
export function cpuSeconds(pid: number, tid?: number): number {
  const fields = statFields(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`);
  // Fields 14 (utime) and 15 (stime), counted from 1 over the whole line.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICK;
}

/** Minor page faults of the process so far (field 10): pages it touched that had to be mapped. */
export function minorFaults(pid: number): number {
  return Number(statFields(`/proc/${pid}/stat`)[7]);
}

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM). */
export function statusBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match === null ? Number.NaN : Number(match[1]) * 1024;
}

export function comm(pid: number): string {
  return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
}
