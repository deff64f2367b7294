// Small process helpers: run a tool to completion, and find or kill the processes that belong
// to this run (every one of them names the scratch folder in its argv, nothing else does).
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/** Runs argv to completion; resolves stdout, rejects with stderr on a non-zero exit. */
export function run(file, args, { allowFail = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0 || allowFail) resolve(out);
      else reject(new Error(`${file} ${args.join(' ')}: exit ${code ?? signal}: ${err.trim()}`));
    });
  });
}

/** PIDs (other than ours) whose command line mentions `marker`. */
export async function pidsMentioning(marker) {
  const pids = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'latin1');
      if (cmdline.includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** Signals every process of this run, then waits until none is left (or the deadline passes). */
export async function killAllMentioning(marker, { graceMs = 0, deadlineMs = 60_000 } = {}) {
  if (graceMs > 0) {
    for (const pid of await pidsMentioning(marker)) trySignal(pid, 'SIGTERM');
    const until = Date.now() + graceMs;
    while (Date.now() < until && (await pidsMentioning(marker)).length > 0) await sleep(100);
  }
  const until = Date.now() + deadlineMs;
  for (;;) {
    const left = await pidsMentioning(marker);
    if (left.length === 0) return [];
    if (Date.now() > until) return left;
    for (const pid of left) trySignal(pid, 'SIGKILL');
    await sleep(200);
  }
}

function trySignal(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
