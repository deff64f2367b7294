import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { readPidStat } from '../../src/proc/processes.ts';
import { BIN, finished, groupAlive, readJobRecord, runIoguard, sandboxes, startIoguard, until, type Sandbox } from '../helpers/cli.ts';

const box = sandboxes();
const notRoot = process.getuid?.() !== 0 && 'needs root: mounts a small tmpfs';
/** A 64 KiB tmpfs as the lock folder, in the test's private folder; unmounted when the test ends. */
function smallLockFolder(b: Sandbox, t: TestContext): string {
  const dir = join(b.dir, 'small');
  mkdirSync(dir, { mode: 0o700 });
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'ioguard-test', dir]);
  // Unmount before the sandbox factory removes the folder (its hook runs after the file's tests).
  t.after(() => {
    execFileSync('umount', [dir]);
  });
  return dir;
}

/** Fill a tmpfs to the last block. */
function fill(dir: string): void {
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${join(dir, 'filler')}`, 'bs=4k'], { stdio: 'ignore' });
  } catch {
    // dd ends with ENOSPC: that is the point.
  }
}

const running = (b: Sandbox, name: string, lockDir?: string) =>
  until(() => {
    const job = (lockDir ? readRecordIn(lockDir, name) : readJobRecord(b, name))?.job;
    return job && readPidStat(job.pid)?.comm === 'sleep' && job;
  }, 10_000, 'job running');

function readRecordIn(dir: string, name: string): Record<string, any> | undefined {
  try {
    return JSON.parse(execFileSync('cat', [join(dir, `${name}.json`)], { encoding: 'utf8' })) as Record<string, any>;
  } catch {
    return undefined;
  }
}

describe('the lock folder fails under a run', () => {
  it('full at start: exit 125 with one line naming the record, no .tmp left, the job never runs', { skip: notRoot }, async (t) => {
    const b = box();
    const dir = smallLockFolder(b, t);
    fill(dir);
    const marker = join(b.dir, 'ran');
    const r = await runIoguard(['run', '--no-gate', '--lock-dir', dir, '--name', 'full', '--', 'sh', '-c', `touch ${marker}`], { env: b.env });
    assert.equal(r.code, 125);
    assert.match(r.stderr, new RegExp(`^ioguard: cannot write run record ${dir}/full\\.json \\(ENOSPC\\)\\n$`));
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
    assert.throws(() => execFileSync('test', ['-e', marker]), 'the job did not run');
  });

  it('filling up during the run: the timeout, the kill and the exit status still happen', { skip: notRoot }, async (t) => {
    const b = box();
    const dir = smallLockFolder(b, t);
    const child = startIoguard(['run', '--no-gate', '--lock-dir', dir, '--name', 'fills', '--stuck-after', '1s', '--timeout', '2s', '--kill-after', '1s', '--', 'sleep', '60'], { env: b.env });
    const job = await running(b, 'fills', dir);
    fill(dir);
    const r = await finished(child);
    assert.equal(r.code, 124);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
    assert.match(r.stderr, /cannot write run record .* \(ENOSPC\)/, 'the failed write is said once');
    assert.equal(groupAlive(job.pgid), false);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });

  it('removed during the run: no crash, the timeout still ends the job, and the lock is put back meanwhile', async () => {
    const b = box();
    const child = startIoguard(['run', '--no-gate', '--name', 'gone', '--stuck-after', '1s', '--timeout', '4s', '--kill-after', '1s', '--', 'sleep', '60'], { env: b.env });
    const job = await running(b, 'gone');
    // Retries: the wrapper may recreate the folder and its record while it is being emptied (it
    // rewrites the record every 200 ms here), so the removal as a whole is tried again.
    for (let attempt = 0; ; attempt++) {
      try {
        rmSync(b.lockDir, { recursive: true, force: true, maxRetries: 20, retryDelay: 10 });
        break;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    await until(() => readJobRecord(b, 'gone')?.job?.pid === job.pid, 5000, 'record restored');
    const second = await runIoguard(['run', '--no-gate', '--name', 'gone', '--', 'true'], { env: b.env });
    assert.equal(second.code, 75, 'no second copy beside the running job');
    const r = await finished(child);
    assert.equal(r.code, 124);
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
    assert.match(r.stderr, /was removed during the run; recreated it/);
    assert.equal(groupAlive(job.pgid), false);
  });

  it("ioguard's own stderr a closed pipe: the timeout report is dropped, the job is still ended and the exit status kept", async () => {
    const b = box();
    const child = spawn(process.execPath, [BIN, 'run', '--no-gate', '--name', 'epipe', '--timeout', '1s', '--kill-after', '1s', '--', 'sleep', '60'], { env: b.env, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.destroy();
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    assert.equal(code, 124);
    const finishedEvent = b.events().find((e) => e.event === 'finished');
    assert.equal(finishedEvent?.outcome, 'timed-out');
    assert.equal(groupAlive(Number(b.events().find((e) => e.event === 'started')?.jobPid)), false);
  });
});

describe('hostile files in the lock folder', () => {
  const prepare = (b: Sandbox, name: string): string => {
    mkdirSync(b.lockDir, { recursive: true, mode: 0o700 });
    return join(b.lockDir, `${name}.json`);
  };

  it('a FIFO as the record: the start does not hang; it is set aside as corrupt and the job runs; status answers', async () => {
    const b = box();
    execFileSync('mkfifo', [prepare(b, 'fifo')]);
    const r = await runIoguard(['run', '--no-gate', '--name', 'fifo', '--', 'true'], { env: b.env, timeout: 20_000 });
    assert.equal(r.code, 0);
    assert.ok(readdirSync(b.lockDir).includes('fifo.json.corrupt'));
    execFileSync('mkfifo', [join(b.lockDir, 'fifo.json')]);
    const s = await runIoguard(['status', '--json'], { env: b.env, timeout: 20_000 });
    assert.equal(s.code, 0);
    assert.match(s.stdout, /not a regular file/);
  });

  it('a 3 GiB (sparse) record is not read whole: the start and status stay fast and small', async () => {
    const b = box();
    const path = prepare(b, 'huge');
    writeFileSync(path, '');
    execFileSync('truncate', ['-s', '3G', path]);
    const s = await runIoguard(['status', '--json'], { env: b.env, timeout: 20_000 });
    assert.match(s.stdout, /more than 1048576/);
    const r = await runIoguard(['run', '--no-gate', '--name', 'huge', '--', 'true'], { env: b.env, timeout: 20_000 });
    assert.equal(r.code, 0);
    assert.ok(readdirSync(b.lockDir).includes('huge.json.corrupt'));
  });

  it('a symbolic link as the record is not followed: set aside, the target untouched', async () => {
    const b = box();
    const target = join(b.dir, 'target');
    writeFileSync(target, 'keep');
    execFileSync('ln', ['-s', target, prepare(b, 'link')]);
    const r = await runIoguard(['run', '--no-gate', '--name', 'link', '--', 'true'], { env: b.env });
    assert.equal(r.code, 0);
    assert.equal(execFileSync('cat', [target], { encoding: 'utf8' }), 'keep');
    assert.match(JSON.stringify(b.events().find((e) => e.event === 'reclaimed')), /symbolic link/);
  });
});
