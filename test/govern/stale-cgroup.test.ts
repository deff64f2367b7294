import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { JobCgroup } from '../../src/govern/job-cgroup.ts';

const FREEZER = '/sys/fs/cgroup/freezer';
const skip = process.getuid?.() !== 0 ? 'needs root: makes cgroups' : !existsSync(`${FREEZER}/freezer.state`) && !existsSync(`${FREEZER}/cgroup.procs`) ? 'no v1 freezer hierarchy here' : false;
const state = (pid: number): string | undefined => /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];

/** A cgroup `<job>-<pid>` left by a wrapper killed with SIGKILL, found again when a new job's shell gets the same pid. */
describe('a stale job cgroup with the same name', { skip }, () => {
  it('an empty one left FROZEN is thawed before the new job joins it: the job runs', async () => {
    const base = `${FREEZER}/ioguard-test-stale-${process.pid}`;
    mkdirSync(base);
    const child = spawn('sh', ['-c', 'i=0; while [ $i -lt 100 ]; do i=$((i+1)); sleep 0.02; done'], { stdio: 'ignore' });
    const pid = child.pid as number;
    const stale = `${base}/ioguard/stale-${pid}`;
    let cg: JobCgroup | undefined;
    try {
      mkdirSync(stale, { recursive: true });
      writeFileSync(`${stale}/freezer.state`, 'FROZEN');
      cg = JobCgroup.create(base, 'stale', pid);
      assert.equal(cg.path, stale);
      await new Promise((r) => setTimeout(r, 300));
      assert.notEqual(readFileSync(`${stale}/freezer.state`, 'utf8').trim(), 'FROZEN');
      assert.notEqual(state(pid), 'D', 'the job is not frozen');
      const code = await new Promise((r) => child.once('exit', r));
      assert.equal(code, 0, 'the job ran to its end');
    } finally {
      try {
        writeFileSync(`${stale}/freezer.state`, 'THAWED');
      } catch {}
      child.kill('SIGKILL');
      await cg?.remove();
      await new Promise((r) => setTimeout(r, 200));
      for (const dir of [stale, `${base}/ioguard`, base]) {
        try {
          rmdirSync(dir);
        } catch {}
      }
    }
  });

  it('one that still holds processes is refused (the run falls back to SIGSTOP)', async () => {
    const base = `${FREEZER}/ioguard-test-busy-${process.pid}`;
    mkdirSync(base);
    const other = spawn('sleep', ['30'], { stdio: 'ignore' });
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const stale = `${base}/ioguard/busy-${child.pid}`;
    try {
      mkdirSync(stale, { recursive: true });
      writeFileSync(`${stale}/cgroup.procs`, String(other.pid));
      assert.throws(() => JobCgroup.create(base, 'busy', child.pid as number), /left from an earlier run and still holds processes/);
      assert.equal(readFileSync(`${stale}/cgroup.procs`, 'utf8').trim(), String(other.pid), 'the new job did not join it');
    } finally {
      other.kill('SIGKILL');
      child.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 200));
      for (const dir of [stale, `${base}/ioguard`, base]) {
        try {
          rmdirSync(dir);
        } catch {}
      }
    }
  });
});
