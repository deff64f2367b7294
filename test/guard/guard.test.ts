import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { guard, IoguardError } from '../../src/index.ts';
import { maxOverlap } from '../helpers/overlap.ts';
import { finished, readJobRecord, runIoguard, sandbox, startIoguard, until } from '../helpers/cli.ts';

const b = sandbox();
after(() => b.cleanup());
const base = { lockDir: b.lockDir, logFile: false as const, gate: { enabled: false } };
const WORKER = new URL('../helpers/guard-worker.ts', import.meta.url).pathname;

const maxOverlapIn = (file: string): number =>
  maxOverlap(readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(' ')).map(([kind = '', t]) => ({ kind, t: Number(t) })));

describe('guard(): the job lock for functions in Node schedulers', () => {
  it('two Node processes guarding the same key on overlapping schedules never run the body at once', async () => {
    const out = join(b.dir, 'two-procs.log');
    const worker = (): ReturnType<typeof spawn> => spawn(process.execPath, ['--import', 'tsx', WORKER, b.lockDir, 'shared', out, '300', '700', '8'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [one, two] = [worker(), worker()];
    const [r1, r2] = await Promise.all([finished(one), finished(two)]);
    const outcomes = [...JSON.parse(r1.stdout), ...JSON.parse(r2.stdout)] as string[];
    assert.ok(outcomes.includes('completed'));
    assert.ok(outcomes.includes('skipped'), 'overlapping ticks were skipped');
    assert.equal(maxOverlapIn(out), 1);
  });

  it('a crontab-style `ioguard run --name k` and guard("k") exclude each other, both ways', async () => {
    const holder = startIoguard(['run', '--no-gate', '--lock-dir', b.lockDir, '--name', 'k', '--', 'sleep', '2'], { env: b.env });
    await until(() => readJobRecord(b, 'k')?.job, 5000, 'cli job running');
    let ran = false;
    const skipped = await guard('k', () => void (ran = true), base);
    assert.equal(skipped.outcome, 'skipped');
    assert.equal(skipped.exitCode, 75);
    assert.equal(skipped.holder?.jobPid, readJobRecord(b, 'k')?.job.pid);
    assert.equal(ran, false);
    await finished(holder);
    let release: () => void = () => {};
    const held = guard('k', () => new Promise<void>((r) => (release = r)), base);
    await until(() => readJobRecord(b, 'k')?.job, 5000, 'guard running');
    const cli = await runIoguard(['run', '--no-gate', '--lock-dir', b.lockDir, '--name', 'k', '--', 'true'], { env: b.env });
    assert.equal(cli.code, 75);
    release();
    assert.equal((await held).outcome, 'completed');
  });

  it('a guarded function that exceeds its timeout sees its AbortSignal fire', async () => {
    const r = await guard('t1', (signal) => new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, 10_000);
      signal.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(signal.reason);
      });
    }), { ...base, timeoutMs: 200 });
    assert.equal(r.outcome, 'timed-out');
    assert.equal(r.exitCode, 124);
    assert.equal((r.error as Error).name, 'TimeoutError');
    assert.ok(r.durationMs < 2000);
  });

  it('a function that ignores its AbortSignal is reported timed out, and the lock is held until it settles', async () => {
    const done = guard('t2', () => new Promise((r) => setTimeout(() => r('late'), 1200)), { ...base, timeoutMs: 200 });
    await new Promise((r) => setTimeout(r, 600));
    const during = await guard('t2', () => 'second', base);
    assert.equal(during.outcome, 'skipped', 'the lock is still held after the timeout');
    const r = await done;
    assert.equal(r.outcome, 'timed-out');
    assert.equal(r.value, 'late');
    assert.match(String(r.reason), /settled .* after its AbortSignal fired/);
    assert.equal((await guard('t2', () => 'third', base)).outcome, 'completed');
  });

  it('a function that throws gives outcome failed with the error, not a rejection', async () => {
    const r = await guard('boom', () => {
      throw new Error('boom');
    }, base);
    assert.equal(r.outcome, 'failed');
    assert.equal((r.error as Error).message, 'boom');
  });

  it('rejects only for programming errors, naming the option, value and type', async () => {
    await assert.rejects(() => guard('bad name', () => 1, base), (e: unknown) => e instanceof IoguardError && e.code === 'ERR_INVALID_OPTION' && /name: "bad name"/.test(e.message));
    await assert.rejects(() => guard('ok', () => 1, { ...base, timeoutMs: -1 }), /timeoutMs: -1 \(number\) is not a number of milliseconds >= 0/);
    await assert.rejects(() => guard('ok', () => 1, { ...base, onBusy: 'queue' as 'skip' }), /onBusy: "queue" is not one of skip, wait, replace/);
  });

  it('an already-aborted signal: the function does not run, outcome skipped, exit 128+15', async () => {
    let ran = false;
    const r = await guard('aborted', () => void (ran = true), { ...base, signal: AbortSignal.abort() });
    assert.equal(ran, false);
    assert.equal(r.outcome, 'skipped');
    assert.equal(r.exitCode, 143);
  });

  it('options that are not an object (null, a string) reject with ERR_INVALID_OPTION, and the function does not run', async () => {
    let ran = false;
    for (const options of [null, 'x', 42, []]) {
      await assert.rejects(
        () => guard('opts', () => void (ran = true), options as never),
        (e: unknown) => e instanceof IoguardError && e.code === 'ERR_INVALID_OPTION' && /^options: /.test(e.message),
      );
    }
    assert.equal(ran, false);
  });
});
