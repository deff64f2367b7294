import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { censusDState } from '../../src/probe/d-state-census.ts';
import { probe } from '../../src/probe/probe.ts';
import { startDStateProcess } from '../helpers/d-state.ts';

/** The vfork helper's child sleeps; killing it releases the parent from D. */
function releaseVforkParent(pid: number): void {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  for (const child of children) process.kill(Number(child), 'SIGKILL');
}

test('the census finds a real D-state process with its wchan and the meaning of it', { timeout: 15_000 }, async () => {
  const parent = await startDStateProcess(30);
  const pid = parent.pid as number;
  try {
    const census = censusDState({ procRoot: '/proc' });
    const group = census.groups.find((g) => g.tasks.some((t) => t.pid === pid));
    assert.ok(group, `pid ${pid} is in the census: ${JSON.stringify(census.groups.map((g) => g.wchan))}`);
    assert.equal(group.wchan, readFileSync(`/proc/${pid}/wchan`, 'utf8').trim());
    assert.match(group.wchan, /kernel_clone|vfork/);
    assert.match(group.meaning ?? '', /vfork parent/);
    assert.deepEqual(group.tasks.find((t) => t.pid === pid), { pid, tid: pid, comm: 'vfork-d', wchan: group.wchan });
  } finally {
    releaseVforkParent(pid);
    parent.kill('SIGKILL');
  }
});

test('the census counts a D process released a moment ago no more', { timeout: 15_000 }, async () => {
  const parent = await startDStateProcess(30);
  const pid = parent.pid as number;
  const exited = new Promise((resolve) => parent.once('exit', resolve));
  releaseVforkParent(pid);
  await exited;
  const census = censusDState({ procRoot: '/proc' });
  assert.equal(census.groups.some((g) => g.tasks.some((t) => t.pid === pid)), false);
});

test('a full probe includes the D-state process in its snapshot', { timeout: 15_000 }, async () => {
  const parent = await startDStateProcess(30);
  const pid = parent.pid as number;
  try {
    const snapshot = await probe({ windowMs: 100 });
    assert.ok(snapshot.dState.count >= 1);
    assert.ok(snapshot.dState.groups.some((g) => g.tasks.some((t) => t.pid === pid)));
  } finally {
    releaseVforkParent(pid);
    parent.kill('SIGKILL');
  }
});
