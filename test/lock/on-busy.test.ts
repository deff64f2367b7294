import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPidStat } from '../../src/proc/processes.ts';
import { finished, groupAlive, readJobRecord, runIoguard, sandboxes, startIoguard, until } from '../helpers/cli.ts';

const box = sandboxes();
const NO_GATE = '--no-gate';

describe('--on-busy: what happens when the previous run is still working', () => {
  it('wait: starts as soon as the previous run ends, within --wait', async () => {
    const b = box();
    const holder = startIoguard(['run', NO_GATE, '--name', 'w', '--', 'sleep', '1.5'], { env: b.env });
    await until(() => readJobRecord(b, 'w')?.job, 5000, 'holder running');
    const t0 = Date.now();
    const waiter = await runIoguard(['run', NO_GATE, '--name', 'w', '--on-busy', 'wait', '--wait', '20s', '--', 'sh', '-c', 'echo second'], { env: b.env });
    assert.equal(waiter.code, 0);
    assert.equal(waiter.stdout, 'second\n');
    assert.ok(Date.now() - t0 < 10_000);
    assert.equal((await finished(holder)).code, 0);
  });

  it('wait: at most one waiter per job; a second waiter skips after the short waiter hand-over, not after --wait', async () => {
    const b = box();
    // Long enough that the holder still runs when the second waiter looks, even on a loaded machine:
    // once it ends, the first waiter takes the lock and hands its slot over, and a second waiter may then wait legitimately.
    const holder = startIoguard(['run', NO_GATE, '--name', 'q', '--', 'sleep', '8'], { env: b.env });
    await until(() => readJobRecord(b, 'q')?.job, 15_000, 'holder running');
    const first = startIoguard(['run', NO_GATE, '--name', 'q', '--on-busy', 'wait', '--wait', '30s', '--', 'true'], { env: b.env });
    const firstDone = finished(first);
    await until(() => b.events().some((e) => e.event === 'waiting'), 5000, 'first waiter');
    const status = JSON.parse((await runIoguard(['status', '--json'], { env: b.env })).stdout) as Array<Record<string, unknown>>;
    assert.ok(status.some((r) => r.name === 'q' && r.state === 'waiting' && r.wrapperPid === first.pid), 'status shows the waiter');
    const t0 = Date.now();
    const second = await runIoguard(['run', NO_GATE, '--name', 'q', '--on-busy', 'wait', '--wait', '30s', '--verbose', '--', 'true'], { env: b.env });
    assert.equal(second.code, 75);
    assert.match(second.stderr, /another invocation is already waiting/);
    // Up to 1 s for a waiter hand-over (a waiter that just became the holder), then skip; --wait is 30 s.
    assert.ok(Date.now() - t0 < 10_000, 'the second waiter did not wait out --wait');
    assert.equal((await firstDone).code, 0);
    await finished(holder);
  });

  it('wait: gives up with 75 when --wait runs out', async () => {
    const b = box();
    const holder = startIoguard(['run', NO_GATE, '--name', 'x', '--', 'sleep', '5'], { env: b.env });
    await until(() => readJobRecord(b, 'x')?.job, 5000, 'holder running');
    const r = await runIoguard(['run', NO_GATE, '--name', 'x', '--on-busy', 'wait', '--wait', '500ms', '--', 'true'], { env: b.env });
    assert.equal(r.code, 75);
    assert.equal(b.events().find((e) => e.event === 'skipped')?.msg, 'previous run still running after the wait');
    holder.kill('SIGTERM');
    await finished(holder);
  });

  it('replace: terminates the previous run\'s process group, then starts', async () => {
    const b = box();
    const holder = startIoguard(['run', NO_GATE, '--name', 'r', '--', 'sh', '-c', 'sleep 60 & wait'], { env: b.env });
    const old = await until(() => readJobRecord(b, 'r')?.job, 5000, 'holder running');
    const r = await runIoguard(['run', NO_GATE, '--name', 'r', '--on-busy', 'replace', '--kill-after', '2s', '--', 'sh', '-c', 'echo new'], { env: b.env });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'new\n');
    assert.equal((await finished(holder)).code, 143, 'the old run ended by SIGTERM');
    assert.equal(groupAlive(old.pgid), false, 'the old group is gone');
  });

  it('--skip-exit-code changes the status of a skip', async () => {
    const b = box();
    const holder = startIoguard(['run', NO_GATE, '--name', 's', '--', 'sleep', '3'], { env: b.env });
    await until(() => readJobRecord(b, 's')?.job, 5000, 'holder running');
    const r = await runIoguard(['run', NO_GATE, '--name', 's', '--skip-exit-code', '0', '--', 'true'], { env: b.env });
    assert.equal(r.code, 0);
    assert.equal(r.stderr, '');
    const skipped = b.events().find((e) => e.event === 'skipped');
    assert.equal(skipped?.exitCode, 0);
    holder.kill('SIGTERM');
    await finished(holder);
  });
});

describe('ioguard status', () => {
  it('shows a running job with its process state, wchan, age and command, as a table and as JSON', async () => {
    const b = box();
    const holder = startIoguard(['run', NO_GATE, '--name', 'shown', '--', 'sleep', '30'], { env: b.env });
    const job = await until(() => readJobRecord(b, 'shown')?.job, 5000, 'holder running');
    const json = await runIoguard(['status', '--json'], { env: b.env });
    assert.equal(json.code, 0);
    const rows = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    assert.equal(rows.length, 1);
    const row = rows[0] as Record<string, unknown>;
    for (const field of ['name', 'state', 'wrapperPid', 'jobPid', 'procState', 'wchan', 'ageSeconds', 'command']) assert.ok(field in row, field);
    assert.equal(row.name, 'shown');
    assert.equal(row.state, 'running');
    assert.equal(row.wrapperPid, holder.pid);
    assert.equal(row.jobPid, job.pid);
    assert.equal(row.procState, 'S');
    assert.equal(row.wchan, 'hrtimer_nanosleep');
    assert.equal(row.command, 'sleep 30');
    const table = await runIoguard(['status'], { env: b.env });
    assert.match(table.stdout, /^NAME\s+STATE\s+WRAPPER\s+JOB\s+ST\s+WCHAN/);
    assert.match(table.stdout, new RegExp(`shown\\s+running\\s+${holder.pid}\\s+${job.pid}\\s+S\\s+hrtimer_nanosleep`));
    const one = JSON.parse((await runIoguard(['status', 'other', '--json'], { env: b.env })).stdout) as unknown[];
    assert.deepEqual(one, []);
    holder.kill('SIGTERM');
    await finished(holder);
  });

  it('reading status never changes a record', async () => {
    const b = box();
    const holder = startIoguard(['run', NO_GATE, '--name', 'ro', '--', 'sleep', '30'], { env: b.env });
    await until(() => { const job = readJobRecord(b, 'ro')?.job; return job && readPidStat(job.pid)?.comm === 'sleep'; }, 5000, 'job running');
    holder.kill('SIGKILL');
    await until(() => holder.exitCode !== null || holder.signalCode !== null, 5000, 'wrapper death');
    const before = JSON.stringify(readJobRecord(b, 'ro'));
    const rows = JSON.parse((await runIoguard(['status', '--json'], { env: b.env })).stdout) as Array<Record<string, unknown>>;
    assert.equal(rows[0]?.state, 'orphaned');
    assert.equal(JSON.stringify(readJobRecord(b, 'ro')), before);
    process.kill(-Number(readJobRecord(b, 'ro')?.job.pgid), 'SIGKILL');
  });
});
