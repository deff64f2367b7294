import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pingEventFor, type PingableEnding } from '../../src/ping/ping-event.ts';

const base: PingableEnding = { name: 'backup', outcome: 'completed', exitCode: 0, jobExitCode: 0, signal: null, timedOut: false, durationMs: 1500, reason: null, figures: null };

describe('which ping an ending sends', () => {
  it('a completed run is a success (the bare URL)', () => {
    const e = pingEventFor(base);
    assert.equal(e.suffix, 'success');
    assert.match(e.message, /completed in 1\.5s/);
  });

  it('a failed run sends its exit status, a killed one 128+N', () => {
    assert.equal(pingEventFor({ ...base, outcome: 'failed', exitCode: 3, jobExitCode: 3 }).suffix, 3);
    const killed = pingEventFor({ ...base, outcome: 'failed', exitCode: 137, jobExitCode: null, signal: 'SIGKILL' });
    assert.equal(killed.suffix, 137);
    assert.match(killed.message, /killed by SIGKILL/);
    assert.equal(pingEventFor({ ...base, outcome: 'failed', exitCode: 127, jobExitCode: null, reason: 'cannot start x: command not found' }).suffix, 127);
  });

  it('a failed run with a reason names it before how the job ended', () => {
    const reason = 'fleet lock lost for good: connection refused; terminating the job';
    const e = pingEventFor({ ...base, outcome: 'failed', exitCode: 76, jobExitCode: null, signal: 'SIGTERM', durationMs: 2000, reason });
    assert.equal(e.suffix, 76);
    assert.equal(e.message, `ioguard: job "backup" failed: ${reason} (killed by SIGTERM), exit 76 after 2.0s`);
    const spawn = pingEventFor({ ...base, outcome: 'failed', exitCode: 127, jobExitCode: null, reason: 'cannot start x: command not found' });
    assert.match(spawn.message, /failed: cannot start x: command not found, exit 127/);
  });

  it('a skip for pressure is /log with its reason and figures', () => {
    const e = pingEventFor({ ...base, outcome: 'skipped', exitCode: 75, jobExitCode: null, reason: 'io pressure 74% over 30%', figures: { ioPressure: 74.04, util: null } });
    assert.equal(e.suffix, 'log');
    assert.equal(e.message, 'ioguard: job "backup" skipped: io pressure 74% over 30% (ioPressure=74.04)');
  });

  it('a skip behind a busy previous run or a fleet holder elsewhere is /log too', () => {
    assert.equal(pingEventFor({ ...base, outcome: 'skipped', reason: 'previous run still running' }).suffix, 'log');
    assert.equal(pingEventFor({ ...base, outcome: 'deferred-then-skipped', reason: 'slot heavy busy' }).suffix, 'log');
  });

  it('a pressure skip past --starve-after is /fail with the starvation line', () => {
    const e = pingEventFor({ ...base, outcome: 'skipped', reason: 'pressure', starved: 'ioguard: job "backup" starved by pressure: skipped 9 times in 3h' });
    assert.equal(e.suffix, 'fail');
    assert.match(e.message, /starved by pressure/);
  });

  it('a stuck refusal, a timeout and a fleet conflict are /fail naming the cause', () => {
    const stuck = pingEventFor({ ...base, outcome: 'stuck', exitCode: 76, reason: 'previous run stuck: pid 9 (tar) in D' });
    assert.equal(stuck.suffix, 'fail');
    assert.match(stuck.message, /previous run stuck.*pid 9/);
    const timeout = pingEventFor({ ...base, outcome: 'timed-out', exitCode: 124, timedOut: true, reason: 'timed out after 1s' });
    assert.deepEqual([timeout.suffix, timeout.message], ['fail', 'ioguard: job "backup" timed out after 1s, exit 124']);
    const conflict = pingEventFor({ ...base, outcome: 'conflict', exitCode: 76, reason: 'running on host-b too' });
    assert.equal(conflict.suffix, 'fail');
    assert.match(conflict.message, /fleet conflict: running on host-b too/);
  });
});
