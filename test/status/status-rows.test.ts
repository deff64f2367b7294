import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readPidStat } from '../../src/proc/processes.ts';
import { ranPercent } from '../../src/govern/pace.ts';
import { formatStatusTable } from '../../src/status/format-table.ts';
import type { JobStatus } from '../../src/status/list-jobs.ts';
import { cpuPercent } from '../../src/status/usage.ts';
import { readJobRecord, runIoguard, sandboxes, sleep, startIoguard, until, type Sandbox } from '../helpers/cli.ts';

const box = sandboxes();

type Row = Record<string, any>;

async function statusJson(b: Sandbox): Promise<Row[]> {
  const r = await runIoguard(['status', '--json'], { env: b.env });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Row[];
}

function ticks(pid: number): number {
  const s = readPidStat(pid);
  assert.ok(s, `process ${pid} is alive`);
  return s.utime + s.stime;
}

/** Start a job under `ioguard run` and wait for its record to name the job's process. */
async function startJob(b: Sandbox, name: string, argv: string[]): Promise<{ stop: () => void; pid: number }> {
  const wrapper = startIoguard(['run', '--name', name, '--no-gate', '--', ...argv], { env: b.env });
  const job = await until(() => readJobRecord(b, name)?.job, 10_000, `${name} record`);
  return {
    pid: job.pid,
    stop: () => {
      try {
        process.kill(-job.pgid, 'SIGKILL');
      } catch {
        // Already gone.
      }
      wrapper.kill('SIGKILL');
    },
  };
}

describe('status rows', () => {
  it('CPU% of a busy loop is real: near what /proc says the loop used while status ran, never the first-sample 0', async () => {
    const b = box();
    const job = await startJob(b, 'busy', ['sh', '-c', 'while :; do :; done']);
    try {
      // Past the supervisor's first sample, so the record's own last-progress figure is seconds old.
      await sleep(2500);
      const t0 = performance.now();
      const before = ticks(job.pid);
      const rows = await statusJson(b);
      const oracle = cpuPercent(before, ticks(job.pid), performance.now() - t0);
      const row = rows.find((r) => r.name === 'busy');
      assert.ok(row);
      assert.equal(typeof row.cpuPercent, 'number');
      // Loose: other test processes share the cores, and status measures a shorter window than the oracle.
      assert.ok(row.cpuPercent > 15, `busy loop shows ${row.cpuPercent}% (oracle ${oracle.toFixed(1)}%)`);
      assert.ok(Math.abs(row.cpuPercent - oracle) < 40, `status ${row.cpuPercent}% vs /proc ${oracle.toFixed(1)}%`);
      assert.equal(row.processes[0].cpuPercent, row.cpuPercent);
      assert.ok(row.memoryBytes > 0, 'memory is measured too');
      assert.equal(row.lastProgressSeconds, 0, 'CPU seen in the window is progress now');
    } finally {
      job.stop();
    }
  });

  it('CPU% of a sleeping job is near zero', async () => {
    const b = box();
    const job = await startJob(b, 'idle', ['sleep', '30']);
    try {
      const row = (await statusJson(b)).find((r) => r.name === 'idle');
      assert.ok(row);
      assert.equal(typeof row.cpuPercent, 'number');
      assert.ok(row.cpuPercent < 10, `sleep shows ${row.cpuPercent}%`);
    } finally {
      job.stop();
    }
  });

  it("a waiter's row shows the waiter's own command, not the holder's", async () => {
    const b = box();
    const job = await startJob(b, 'shared', ['sleep', '30']);
    const waiter = startIoguard(['run', '--name', 'shared', '--no-gate', '--on-busy', 'wait', '--wait', '1m', '--', 'echo', 'waiter-own'], { env: b.env });
    try {
      await until(() => existsSync(join(b.lockDir, 'shared.wait')) && readFileSync(join(b.lockDir, 'shared.wait'), 'utf8').includes('waiter-own'), 10_000, 'wait file');
      const resolved = await statusJson(b);
      assert.equal(resolved.find((r) => r.state === 'running')?.command, 'sleep 30');
      const w = resolved.find((r) => r.state === 'waiting');
      assert.equal(w?.command, 'echo waiter-own');
      assert.deepEqual(w?.argv, ['echo', 'waiter-own']);
      assert.equal(w?.wrapperPid, waiter.pid);
    } finally {
      job.stop();
      waiter.kill('SIGKILL');
    }
  });

  it('a governed row shows the share of the last minute it ran and the backlog bound in force', () => {
    const row: JobStatus = {
      name: 'paced', state: 'running', phase: 'running', wrapperPid: 1, jobPid: 2, procState: 'R', wchan: null, ageSeconds: 90,
      lastProgressSeconds: 0, cpuPercent: null, memoryBytes: null, command: 'dd', argv: ['dd'], startedAt: null, deadline: null, processes: [], note: null,
      holding: [], holdingSince: null, giveUpAt: null, ranPercent: 75, backlogBound: [{ device: '7:3', bytes: 1 << 20 }],
    };
    assert.match(formatStatusTable([row], false), /\[ran 75% of the last minute; backlog 7:3 <= 1\.0M\]/);
  });

  it('the pace counts the pauses that overlap the last minute, the one in progress too', () => {
    const now = 1_000_000;
    assert.equal(ranPercent(now - 120_000, now, [], undefined), 100);
    assert.equal(ranPercent(now - 120_000, now, [[now - 90_000, now - 50_000]], undefined), 83);
    assert.equal(ranPercent(now - 120_000, now, [[now - 30_000, now - 15_000]], now - 15_000), 50);
    assert.equal(ranPercent(now - 20_000, now, [[now - 20_000, now - 10_000]], undefined), 50, 'a young run: the share of its own life');
  });

  it('a row younger than a second reads "<1s" in the table, not "0ms"', () => {
    const row: JobStatus = {
      name: 'fresh', state: 'waiting', phase: null, wrapperPid: 1, jobPid: null, procState: null, wchan: null, ageSeconds: 0,
      lastProgressSeconds: null, cpuPercent: null, memoryBytes: null, command: 'true', argv: ['true'], startedAt: null, deadline: null, processes: [], note: null,
      holding: [], holdingSince: null, giveUpAt: null, ranPercent: null, backlogBound: [],
    };
    const table = formatStatusTable([row], false);
    assert.match(table, /\s<1s\s/);
    assert.doesNotMatch(table, /0ms/);
  });

  it('CPU% is CPU time over wall time: 15 ticks in 150 ms is one core', () => {
    assert.equal(cpuPercent(100, 115, 150), 100);
    assert.equal(cpuPercent(100, 100, 150), 0);
  });
});
