import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readBootId } from '../../src/proc/boot-id.ts';
import { readPidStat } from '../../src/proc/processes.ts';
import { groupAlive, readJobRecord, runIoguard, sandbox, sandboxes, startIoguard, until } from '../helpers/cli.ts';
import { vforkHelperPath } from '../helpers/d-state.ts';

// --no-gate everywhere: these tests judge the previous run; on a loaded machine the gate would defer.
const box = sandboxes();

function writeRecord(b: ReturnType<typeof sandbox>, name: string, fields: Record<string, unknown>): void {
  mkdirSync(b.lockDir, { recursive: true, mode: 0o700 });
  const base = {
    version: 1, name, phase: 'running', bootId: readBootId(), host: 'h', argv: ['old'], startedAt: Date.now() - 60_000,
    deadline: null, updatedAt: Date.now(), lastProgressAt: Date.now(), evidence: [], survivors: [],
  };
  writeFileSync(join(b.lockDir, `${name}.json`), JSON.stringify({ ...base, ...fields }));
}

describe('judging the previous run', () => {
  it('a wrapper killed with SIGKILL leaves its job running: no second copy until the job is gone', async () => {
    const b = box();
    const wrapper = startIoguard(['run', '--no-gate', '--name', 'orphan', '--', 'sleep', '30'], { env: b.env });
    // Recorded is not yet running: the job passes its start latch just after. Wait for sleep itself.
    const record = await until(() => { const job = readJobRecord(b, 'orphan')?.job; return job && readPidStat(job.pid)?.comm === 'sleep' && job; }, 5000, 'job running');
    wrapper.kill('SIGKILL');
    await until(() => wrapper.exitCode !== null || wrapper.signalCode !== null, 5000, 'wrapper death');
    assert.ok(groupAlive(record.pgid), 'the job outlives its wrapper');
    const second = await runIoguard(['run', '--no-gate', '--name', 'orphan', '--verbose', '--', 'true'], { env: b.env });
    assert.equal(second.code, 75);
    assert.match(second.stderr, /orphaned/);
    process.kill(-record.pgid, 'SIGKILL');
    await until(() => !groupAlive(record.pgid), 5000, 'orphan death');
    const third = await runIoguard(['run', '--no-gate', '--name', 'orphan', '--', 'true'], { env: b.env });
    assert.equal(third.code, 0);
  });

  it('a previous run in real D state without progress is refused with 76 and one line naming pid, state and wchan', async () => {
    const b = box();
    const wrapper = startIoguard(['run', '--no-gate', '--name', 'dstate', '--stuck-after', '1s', '--', vforkHelperPath(), '60'], { env: b.env });
    try {
      const record = await until(() => readJobRecord(b, 'dstate')?.job, 5000, 'job record');
      await until(() => readPidStat(record.pid)?.state === 'D', 5000, 'D state');
      await new Promise((r) => setTimeout(r, 1500));
      const shown = JSON.parse((await runIoguard(['status', '--json', '--stuck-after', '1s'], { env: b.env })).stdout) as Array<Record<string, unknown>>;
      const row = shown.find((r) => r.name === 'dstate');
      assert.equal(row?.procState, 'D');
      assert.equal(row?.wchan, 'kernel_clone');
      assert.equal(row?.state, 'stuck');
      const next = await runIoguard(['run', '--no-gate', '--name', 'dstate', '--stuck-after', '1s', '--', 'true'], { env: b.env });
      assert.equal(next.code, 76);
      const lines = next.stderr.trim().split('\n');
      assert.equal(lines.length, 1);
      assert.match(lines[0] ?? '', new RegExp(`pid ${record.pid} \\(vfork-d\\) in state D, wchan kernel_clone, no progress for \\d`));
      const replace = await runIoguard(['run', '--no-gate', '--name', 'dstate', '--stuck-after', '1s', '--on-busy', 'replace', '--', 'true'], { env: b.env });
      assert.equal(replace.code, 76, 'replace cannot help a stuck run');
    } finally {
      const record = readJobRecord(b, 'dstate');
      if (record?.job) process.kill(-record.job.pgid, 'SIGKILL');
      wrapper.kill('SIGKILL');
    }
  });

  it('a D-state process that is still within --stuck-after counts as running (exit 75), not stuck', async () => {
    const b = box();
    const wrapper = startIoguard(['run', '--no-gate', '--name', 'slow', '--', vforkHelperPath(), '60'], { env: b.env });
    try {
      const record = await until(() => readJobRecord(b, 'slow')?.job, 5000, 'job record');
      await until(() => readPidStat(record.pid)?.state === 'D', 5000, 'D state');
      const next = await runIoguard(['run', '--no-gate', '--name', 'slow', '--', 'true'], { env: b.env });
      assert.equal(next.code, 75);
    } finally {
      const record = readJobRecord(b, 'slow');
      if (record?.job) process.kill(-record.job.pgid, 'SIGKILL');
      wrapper.kill('SIGKILL');
    }
  });

  it('a record whose pid now belongs to an unrelated process (PID reuse) is reclaimed', async () => {
    const b = box();
    const stranger = spawn('sleep', ['30']);
    try {
      const stat = readPidStat(stranger.pid as number);
      assert.ok(stat);
      const fake = { pid: stat.pid, starttime: stat.starttime - 1 };
      writeRecord(b, 'reuse', { wrapper: fake, job: { ...fake, pgid: stat.pid } });
      const r = await runIoguard(['run', '--no-gate', '--name', 'reuse', '--', 'true'], { env: b.env });
      assert.equal(r.code, 0);
      assert.equal(b.events().filter((e) => e.event === 'reclaimed').length, 1);
      assert.equal(stranger.exitCode, null, 'the unrelated process was left alone');
    } finally {
      stranger.kill();
    }
  });

  it('a record from another boot is reclaimed even though its pid is alive', async () => {
    const b = box();
    const me = readPidStat(process.pid);
    assert.ok(me);
    const id = { pid: me.pid, starttime: me.starttime };
    writeRecord(b, 'boot', { bootId: '00000000-0000-0000-0000-000000000000', wrapper: id, job: { ...id, pgid: me.pgrp } });
    const r = await runIoguard(['run', '--no-gate', '--name', 'boot', '--', 'true'], { env: b.env });
    assert.equal(r.code, 0);
    const reclaimed = b.events().find((e) => e.event === 'reclaimed');
    assert.match(String(reclaimed?.reason), /previous boot/);
  });

  it('garbage in the record file: no crash, the run goes ahead, the garbage is kept aside and logged', async () => {
    const b = box();
    mkdirSync(b.lockDir, { recursive: true, mode: 0o700 });
    writeFileSync(join(b.lockDir, 'junk.json'), '{"version":1,"bootId":"x", trunc');
    const r = await runIoguard(['run', '--no-gate', '--name', 'junk', '--', 'true'], { env: b.env });
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    const reclaimed = b.events().find((e) => e.event === 'reclaimed');
    assert.match(String(reclaimed?.reason), /record unreadable: not JSON/);
    assert.match(String(reclaimed?.excerpt), /trunc/);
    assert.ok(existsSync(join(b.lockDir, 'junk.json.corrupt')));
  });

  it('a finished run leaves no record behind and status answers "No jobs." (then its history)', async () => {
    const b = box();
    assert.equal((await runIoguard(['run', '--no-gate', '--name', 'done', '--', 'true'], { env: b.env })).code, 0);
    assert.equal(readJobRecord(b, 'done'), undefined);
    const s = await runIoguard(['status'], { env: b.env });
    assert.equal(s.code, 0);
    assert.match(s.stdout, /^No jobs\.\n/);
  });
});
