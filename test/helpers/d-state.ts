import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPidStat } from '../../src/proc/processes.ts';

const SOURCE = new URL('./vfork-d.c', import.meta.url).pathname;

let built: string | undefined;

/**
 * Compiles the vfork helper into a private folder of this test process (mkdtemp: mode 0700, ours)
 * and returns its path. Never a shared path in /tmp: a file planted there by another user would
 * run as root, and a cached build would outlive changes to its source. Removed when the process exits.
 */
export function vforkHelperPath(): string {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'ioguard-test-bin-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const bin = join(dir, 'vfork-d');
  execFileSync('gcc', ['-O1', '-o', bin, SOURCE]);
  built = bin;
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
