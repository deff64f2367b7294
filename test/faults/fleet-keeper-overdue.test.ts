import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { finished, groupAlive, readJobRecord, runIoguard, sandboxes, sleep, startIoguard, until } from '../helpers/cli.ts';
import { FakeHost } from '../fleet/helpers/hosts.ts';
import { PgServer, pgSkipReason } from '../fleet/helpers/pg-server.ts';

const newBox = sandboxes();

describe('an orphan adopted by a fleet keeper', { skip: pgSkipReason(), timeout: 120_000 }, () => {
  let pg: PgServer;
  let host: FakeHost;
  before(async () => {
    pg = await PgServer.create();
    host = await FakeHost.create('keeper-host');
  });
  after(async () => {
    host?.destroy();
    await pg?.destroy();
  });

  test('is ended by its keeper once past its deadline plus kill-after (the keeper holds the flock, so no later start could)', async () => {
    const file = join(newBox().dir, 'runs');
    const run = (command: string[], extra: string[] = []) =>
      host.ioguard(['run', '--no-gate', '--name', 'kept', '--fleet', pg.url(), '--fleet-heartbeat', '300ms', ...extra, '--', ...command]);
    const first = run(['sh', '-c', `echo start >> ${file}; sleep 60; echo end >> ${file}`], ['--timeout', '2s', '--kill-after', '1s']);
    await until(() => { try { return readFileSync(file, 'utf8').includes('start'); } catch { return false; } }, 15_000, 'job started');
    process.kill(await host.wrapperPid(first), 'SIGKILL');
    await first.exited;
    const keeper = await run(['true']).done;
    assert.equal(keeper.code, 75, keeper.stderr);
    assert.match(keeper.stderr, /orphaned run \(job pid \d+, its wrapper \d+ gone\) is .* past its deadline; sending SIGTERM/);
    assert.ok(host.events().some((e) => e.event === 'fleet-adopted'));
    assert.ok(host.events().some((e) => e.event === 'overdue'));
    assert.equal(readFileSync(file, 'utf8'), 'start\n', 'the 60 s job did not run to its end');
  });

  test('that survives SIGKILL at its deadline is recorded stuck, locally and in the fleet row, and its keeper exits 76', { skip: !existsSync('/sys/fs/cgroup/freezer') && 'no cgroup v1 freezer' }, async () => {
    // On this host, not the fake one: the freezer takes the job's pid as this namespace sees it.
    const box = newBox();
    const cg = `/sys/fs/cgroup/freezer/ioguard-fleet-test-${process.pid}`;
    mkdirSync(cg, { recursive: true });
    const first = startIoguard(['run', '--no-gate', '--name', 'frozen-orphan', '--fleet', pg.url(), '--timeout', '2s', '--kill-after', '300ms', '--', 'sleep', '100'], { env: box.env });
    let keeper: ReturnType<typeof startIoguard> | undefined;
    let job: { pid: number; pgid: number } | undefined;
    try {
      job = await until(() => readJobRecord(box, 'frozen-orphan')?.job, 15_000, 'job record');
      first.kill('SIGKILL');
      await first.exited;
      // Frozen by the cgroup v1 freezer: state D, and SIGKILL does not end it.
      writeFileSync(`${cg}/cgroup.procs`, String(job!.pid));
      writeFileSync(`${cg}/freezer.state`, 'FROZEN');
      keeper = startIoguard(['run', '--no-gate', '--name', 'frozen-orphan', '--fleet', pg.url(), '--', 'true'], { env: box.env });
      // Deadline 2 s + 300 ms, TERM, 300 ms, KILL, then 5 s of waiting for the unkillable: ~8 s.
      const r = await Promise.race([finished(keeper, { onExit: true }), sleep(40_000).then(() => undefined)]);
      assert.ok(r, 'the keeper never gave up on a job that survived SIGKILL');
      assert.equal(r.code, 76, r.stderr);
      assert.match(r.stderr, new RegExp(`previous run stuck: pid ${job!.pid} \\(sleep\\) in state D, .*survived SIGKILL`));
      assert.equal(readJobRecord(box, 'frozen-orphan')?.phase, 'stuck');
      const s = await runIoguard(['status', '--fleet', pg.url(), '--json', 'frozen-orphan'], { env: box.env });
      assert.equal((JSON.parse(s.stdout) as Array<{ phase: string }>)[0]?.phase, 'stuck', s.stdout);
      const next = await runIoguard(['run', '--no-gate', '--name', 'frozen-orphan', '--fleet', pg.url(), '--', 'true'], { env: box.env });
      assert.equal(next.code, 76, next.stderr);
    } finally {
      writeFileSync(`${cg}/freezer.state`, 'THAWED');
      keeper?.kill('SIGKILL');
      if (job && groupAlive(job.pgid)) process.kill(-job.pgid, 'SIGKILL');
      await until(() => { try { rmdirSync(cg); return true; } catch { return false; } }, 5000, 'freezer cleanup').catch(() => undefined);
    }
  });
});
