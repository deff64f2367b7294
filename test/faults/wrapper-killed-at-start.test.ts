import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readPidStat } from '../../src/proc/processes.ts';
import { finished, readJobRecord, sandboxes, sleep, startIoguard, until } from '../helpers/cli.ts';

const box = sandboxes();
const TRIALS = Number(process.env.IOGUARD_FAULT_TRIALS ?? 80);

/** Pids written by the job's first act that are alive (not zombies) right now. */
function liveCopies(file: string): number[] {
  let pids: number[] = [];
  try {
    pids = readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
  return pids.filter((pid) => {
    const s = readPidStat(pid, { procRoot: '/proc' });
    return s !== undefined && s.state !== 'Z';
  });
}

function killGroups(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // Gone already.
    }
  }
}

/** Launch-to-job-code time of this machine now, so the kills land around the spawn. */
async function calibrate(dir: string, env: NodeJS.ProcessEnv): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const file = join(dir, `cal${i}`);
    const t0 = Date.now();
    const c = startIoguard(['run', '--no-gate', '--name', `cal${i}`, '--', 'sh', '-c', `echo $$ >> ${file}`], { env });
    await until(() => readFileSync(file, { flag: 'a+' }).length > 0, 10_000, 'calibration job');
    times.push(Date.now() - t0);
    await finished(c);
  }
  return times.sort((a, b) => a - b);
}

describe('the wrapper SIGKILLed at any moment of its start', () => {
  it(`never lets a second copy start beside a job that began (${TRIALS} random kills 0-150 ms after launch, half of them aimed at the spawn)`, { timeout: 600_000 }, async () => {
    const b = box();
    const times = await calibrate(b.dir, b.env);
    const aim = times[Math.floor(times.length / 2)] as number;
    const violations: string[] = [];
    let jobsBegun = 0;
    for (let i = 0; i < TRIALS; i++) {
      const name = `t${i}`;
      const file = join(b.dir, `${name}.pids`);
      const job = ['sh', '-c', `echo $$ >> ${file}; exec sleep 30`];
      // Half uniform over 0-150 ms, half within a few ms of when the job's code usually begins.
      const delay = i % 2 === 0 ? Math.random() * 150 : Math.max(0, aim - 12 + Math.random() * 14);
      const first = startIoguard(['run', '--no-gate', '--name', name, '--', ...job], { env: b.env });
      const timer = setTimeout(() => first.kill('SIGKILL'), delay);
      await finished(first, { onExit: true }).catch(() => undefined);
      clearTimeout(timer);
      await sleep(30);
      const second = startIoguard(['run', '--no-gate', '--name', name, '--', ...job], { env: b.env });
      await until(() => second.exitCode !== null || readJobRecord(b, name)?.wrapper?.pid === second.pid && readJobRecord(b, name)?.job, 15_000, 'second start decided');
      await sleep(50);
      const live = liveCopies(file);
      if (live.length > 0) jobsBegun++;
      if (live.length > 1) violations.push(`trial ${i} (kill at ${delay.toFixed(1)} ms): copies ${live.join(', ')} alive at once`);
      second.kill('SIGKILL');
      killGroups(live);
      await finished(second, { onExit: true }).catch(() => undefined);
      const rec = readJobRecord(b, name);
      if (rec?.job?.pgid) killGroups([rec.job.pgid as number]);
    }
    assert.deepEqual(violations, [], `${violations.length} of ${TRIALS} trials ran two copies (${jobsBegun} trials had a job begin)`);
  });
});
