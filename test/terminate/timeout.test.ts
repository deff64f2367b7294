import assert from 'node:assert/strict';
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { groupAlive, readJobRecord, runIoguard, sandbox, sandboxes, startIoguard, finished, until } from '../helpers/cli.ts';
import { needsRoot } from '../helpers/root.ts';

const box = sandboxes();
const startedPid = (b: ReturnType<typeof sandbox>): number => Number(b.events().find((e) => e.event === 'started')?.jobPid);

describe('bounding a run', () => {
  it('a timeout ends the whole process group: exit 124 and no process of it alive afterwards', async () => {
    const b = box();
    const r = await runIoguard(['run', '--timeout', '1s', '--', 'sh', '-c', 'sleep 100 & sleep 100'], { env: b.env });
    assert.equal(r.code, 124);
    assert.match(r.stderr, /timed out after 1s; sending SIGTERM to process group \d+/);
    const pgid = startedPid(b);
    assert.ok(pgid > 1);
    assert.equal(groupAlive(pgid), false);
    assert.ok(b.events().some((e) => e.event === 'finished' && e.outcome === 'timed-out'));
  });

  it('a job that ignores SIGTERM is killed after --kill-after', async () => {
    const b = box();
    const t0 = Date.now();
    // Ignored signals stay ignored across exec, so every sleep of the loop ignores TERM too.
    const r = await runIoguard(['run', '--timeout', '500ms', '--kill-after', '1s', '--', 'sh', '-c', 'trap "" TERM; while :; do sleep 0.1; done'], { env: b.env });
    const elapsed = Date.now() - t0;
    assert.equal(r.code, 124);
    assert.match(r.stderr, /still alive 1s after SIGTERM; sending SIGKILL/);
    assert.ok(elapsed >= 1400, `SIGKILL came only after the grace (${elapsed} ms)`);
    assert.equal(groupAlive(startedPid(b)), false);
    assert.equal(b.events().find((e) => e.event === 'finished')?.forced, true);
  });

  it('--kill-signal chooses the first signal sent at the deadline', async () => {
    const b = box();
    const r = await runIoguard(['run', '--timeout', '300ms', '--kill-signal', 'INT', '--', 'sh', '-c', 'trap "echo got-int; exit 9" INT; while :; do sleep 0.05; done'], { env: b.env });
    assert.equal(r.code, 124);
    assert.match(r.stdout, /got-int/);
  });

  it('children left behind by a leader that exits on its own are swept', async () => {
    const b = box();
    const r = await runIoguard(['run', '--kill-after', '1s', '--', 'sh', '-c', 'sleep 100 & exit 0'], { env: b.env });
    assert.equal(r.code, 0, 'the leader\'s own status');
    assert.equal(groupAlive(startedPid(b)), false);
    assert.ok(b.events().some((e) => e.event === 'swept'));
  });

  it('SIGTERM sent to ioguard goes to the job\'s group and ioguard exits after the job, with 128+15', async () => {
    const b = box();
    const child = startIoguard(['run', '--name', 'sig', '--', 'sh', '-c', 'trap "echo term-seen; exit 143" TERM; sleep 100 & wait'], { env: b.env });
    const record = await until(() => readJobRecord(b, 'sig')?.job, 5000, 'job record');
    child.kill('SIGTERM');
    const r = await finished(child);
    assert.equal(r.code, 143);
    assert.match(r.stdout, /term-seen/);
    assert.equal(groupAlive(record.pgid), false);
  });

  it('a process that survives SIGKILL (frozen by the cgroup v1 freezer) is named, recorded stuck, and later runs exit 76 until it is gone', { skip: needsRoot('the cgroup v1 freezer') || (!existsSync('/sys/fs/cgroup/freezer') && 'no cgroup v1 freezer') }, async () => {
    const b = box();
    const cg = `/sys/fs/cgroup/freezer/ioguard-test-${process.pid}`;
    mkdirSync(cg, { recursive: true });
    const child = startIoguard(['run', '--name', 'frozen', '--timeout', '1s', '--kill-after', '300ms', '--', 'sleep', '100'], { env: b.env });
    try {
      const record = await until(() => readJobRecord(b, 'frozen')?.job, 5000, 'job record');
      writeFileSync(`${cg}/cgroup.procs`, String(record.pid));
      writeFileSync(`${cg}/freezer.state`, 'FROZEN');
      const r = await finished(child, { onExit: true });
      assert.equal(r.code, 124);
      assert.match(r.stderr, new RegExp(`pid ${record.pid} \\(sleep\\) survived SIGKILL in state D`));
      const next = await runIoguard(['run', '--name', 'frozen', '--', 'true'], { env: b.env });
      assert.equal(next.code, 76);
      assert.match(next.stderr, /survived SIGKILL/);
      writeFileSync(`${cg}/freezer.state`, 'THAWED');
      await until(() => !groupAlive(record.pgid), 5000, 'death after thaw');
      const later = await runIoguard(['run', '--name', 'frozen', '--', 'true'], { env: b.env });
      assert.equal(later.code, 0);
    } finally {
      writeFileSync(`${cg}/freezer.state`, 'THAWED');
      child.kill('SIGKILL');
      await until(() => { try { rmdirSync(cg); return true; } catch { return false; } }, 5000, 'freezer cleanup').catch(() => undefined);
    }
  });
});
