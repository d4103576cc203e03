// Prometheus' own checker for exposition text (Debian package `prometheus`).
import { spawn } from 'node:child_process';

export const PROMTOOL = '/usr/bin/promtool';

/** Runs `promtool check metrics` on the text (it reads stdin); bounded in time. */
export function promtoolCheck(text: string, timeoutMs = 20_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PROMTOOL, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'], timeout: timeoutMs });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}
