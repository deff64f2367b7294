import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPidStat } from '../../src/proc/processes.ts';

const SOURCE = new URL('./vfork-d.c', import.meta.url).pathname;

/** Compiles (once per machine) the vfork helper and returns its path. */
export function vforkHelperPath(): string {
  const dir = join(tmpdir(), 'ioguard-test-bin');
  const bin = join(dir, 'vfork-d');
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('gcc', ['-O1', '-o', `${bin}.tmp`, SOURCE]);
    execFileSync('mv', [`${bin}.tmp`, bin]);
  }
  return bin;
}

/** Waits until the process shows state D (the vfork parent enters D right after vfork). */
export async function waitForState(pid: number, state: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (readPidStat(pid)?.state === state) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`pid ${pid} did not reach state ${state} within ${timeoutMs} ms (now ${readPidStat(pid)?.state})`);
}

/** Starts a process that sits in real D state for `seconds`. Kill the child sleep to end it early. */
export async function startDStateProcess(seconds = 30): Promise<ChildProcess> {
  const child = spawn(vforkHelperPath(), [String(seconds)], { stdio: 'ignore' });
  await waitForState(child.pid as number, 'D');
  return child;
}
