import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { findCgroupMounts } from '../../src/govern/job-cgroup.ts';
import { othersWaiting } from '../../src/govern/others-waiting.ts';
import { censusDState, ioWaitGroups } from '../../src/probe/d-state-census.ts';
import { DEFAULT_ROOTS } from '../../src/proc/roots.ts';
import { startDStateProcess, waitForState } from '../helpers/d-state.ts';
import { until } from '../helpers/cli.ts';
import { withThrottledWriter } from '../probe/helpers/load.ts';

// The governor pauses a job only while someone else waits on I/O. A paused job of another
// ioguard run (frozen by the v1 freezer, shown in D) and a vfork parent are in D without waiting
// on I/O: counted, every governed job on the machine would pause for them, and --max-blocked
// would defer every gated one.

const FREEZER = findCgroupMounts(DEFAULT_ROOTS).v1.get('freezer');
const isRoot = process.getuid?.() === 0;
/** No job's process group: every waiter outside it counts. */
const pgid = -1;
const listed = (pid: number): boolean => othersWaiting(pgid, DEFAULT_ROOTS).some((t) => t.pid === pid);
const ioCounted = (pid: number): boolean => ioWaitGroups(censusDState(DEFAULT_ROOTS)).some((g) => g.tasks.some((t) => t.pid === pid));
const inCensus = (pid: number): boolean => censusDState(DEFAULT_ROOTS).groups.some((g) => g.tasks.some((t) => t.pid === pid));

test('a vfork parent in D is no one waiting on I/O, and not counted against --max-blocked', { timeout: 15_000 }, async () => {
  const parent = await startDStateProcess(30);
  const pid = parent.pid as number;
  try {
    assert.ok(inCensus(pid), 'the census still shows it (precondition: it is in D)');
    assert.equal(listed(pid), false);
    assert.equal(ioCounted(pid), false);
  } finally {
    parent.kill('SIGKILL');
    for (const c of readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) process.kill(Number(c), 'SIGKILL');
  }
});

test('a process frozen by a v1 freezer cgroup (another job\'s pause) is no one waiting on I/O', { skip: (!isRoot && 'needs root: makes a freezer cgroup') || (FREEZER === undefined && 'no cgroup v1 freezer hierarchy here'), timeout: 15_000 }, async () => {
  const cg = join(FREEZER as string, `ioguard-test-frozen-${process.pid}`);
  mkdirSync(cg);
  const child = spawn('sh', ['-c', 'echo $$ > "$0/cgroup.procs" && exec sleep 60', cg], { stdio: 'ignore' });
  const pid = child.pid as number;
  after(() => {
    try {
      writeFileSync(join(cg, 'freezer.state'), 'THAWED');
      child.kill('SIGKILL');
    } catch {}
  });
  await until(() => readFileSync(join(cg, 'cgroup.procs'), 'utf8').includes(String(pid)) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('sleep'), 5000, 'sleep in the cgroup');
  writeFileSync(join(cg, 'freezer.state'), 'FROZEN');
  await until(() => readFileSync(join(cg, 'freezer.state'), 'utf8').trim() === 'FROZEN', 5000, 'FROZEN');
  await waitForState(pid, 'D');
  assert.ok(inCensus(pid), 'a frozen task shows D on this kernel and is in the census (precondition)');
  assert.equal(listed(pid), false);
  assert.equal(ioCounted(pid), false);
  writeFileSync(join(cg, 'freezer.state'), 'THAWED');
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  rmdirSync(cg);
});

test('a writer held in D by a throttled device is someone waiting on I/O (control)', { skip: !isRoot && 'needs root: throttles a writer with a blkio cgroup', timeout: 60_000 }, async () => {
  await withThrottledWriter('others-waiting.bin', async () => {
    const found = await until(() => othersWaiting(pgid, DEFAULT_ROOTS).find((t) => t.comm === 'dd' && readFileSync(`/proc/${t.pid}/cmdline`, 'utf8').includes('others-waiting.bin')), 10_000, 'the throttled dd among the others waiting');
    assert.ok(ioCounted(found.pid), 'and counted against --max-blocked');
  });
});
