import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { runIoguard, sandboxes, startIoguard, until, type Sandbox } from '../helpers/cli.ts';
import { PgServer, pgSkipReason, TEST_ROLE } from './helpers/pg-server.ts';

const skip = pgSkipReason();
const newBox = sandboxes();

describe('--fleet-lost on a real PostgreSQL', { skip, concurrency: false, timeout: 240_000 }, () => {
  let pg: PgServer;
  before(async () => {
    pg = await PgServer.create();
  });
  after(async () => {
    await pg?.destroy();
  });

  const HEARTBEAT = ['--fleet-heartbeat', '300ms'];
  const holder = (box: Sandbox, lost: string[]) =>
    startIoguard(['run', '--no-gate', '--name', 'invoices', '--fleet', pg.url(), ...HEARTBEAT, ...lost, '--kill-after', '2s', '--', 'sleep', '8'], { env: box.env });
  const started = (box: Sandbox) => until(() => box.events().some((e) => e.event === 'started'), 15_000, 'the job started');
  const lastEntry = async (box: Sandbox): Promise<Record<string, unknown>> => {
    const h = JSON.parse((await runIoguard(['history', 'invoices', '--json'], { env: box.env })).stdout) as { entries: Array<Record<string, unknown>> };
    return h.entries.at(-1) as Record<string, unknown>;
  };
  const cut = (): void => void pg.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'ioguard'");
  /** Cut the wrapper's session and refuse its logins for `ms`: it cannot retake the lock meanwhile. */
  const cutSessions = async (ms: number): Promise<void> => {
    pg.psql(`ALTER ROLE ${TEST_ROLE} NOLOGIN`);
    try {
      cut();
      await new Promise((r) => setTimeout(r, ms));
    } finally {
      pg.psql(`ALTER ROLE ${TEST_ROLE} LOGIN`);
    }
  };

  test('terminate: the server stopped mid-run ends the job with TERM within 3 heartbeats and a little, exit 76 with one line; log and history say why', async () => {
    const box = newBox();
    const run = holder(box, ['--fleet-lost', 'terminate']);
    await started(box);
    const t0 = Date.now();
    await pg.stop();
    try {
      const r = await run.done;
      const ms = Date.now() - t0;
      assert.equal(r.code, 76, r.stderr);
      assert.ok(ms < 6000, `ended ${ms} ms after the server stopped (sleep 8 would have run on)`);
      assert.match(r.stderr, /^ioguard: job "invoices": fleet lock not held for [\d.]+m?s \(3 heartbeats\) and not retaken; terminating the job \(--fleet-lost terminate\)$/m);
      const ev = box.events().find((e) => e.event === 'fleet-lost-terminated');
      assert.ok(ev, 'logged');
      const entry = await lastEntry(box);
      assert.equal(entry.exitCode, 76);
      assert.equal(entry.signal, 'SIGTERM');
      assert.match(String(entry.reason), /--fleet-lost terminate/);
    } finally {
      await pg.start();
    }
  });

  test('terminate: the session cut with pg_terminate_backend and logins refused ends the job, exit 76', async () => {
    const box = newBox();
    const run = holder(box, ['--fleet-lost', 'terminate']);
    await started(box);
    await cutSessions(3000);
    const r = await run.done;
    assert.equal(r.code, 76, r.stderr);
    assert.match(r.stderr, /not retaken; terminating the job/);
  });

  test('terminate: one cut session that is retaken at the next beat does not end the job', async () => {
    const box = newBox();
    const run = holder(box, ['--fleet-lost', 'terminate']);
    await started(box);
    cut();
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(box.events().some((e) => e.event === 'fleet-reacquired'));
  });

  test('keep (the default): the session cut for good leaves the job running to its end, exit 0', async () => {
    const box = newBox();
    const run = holder(box, []);
    await started(box);
    await cutSessions(3000);
    const r = await run.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /lost the fleet lock .*the job continues/);
    assert.equal(box.events().filter((e) => e.event === 'fleet-lost-terminated').length, 0);
  });

  test('the flag is checked', async () => {
    const r = await runIoguard(['run', '--no-gate', '--name', 'x', '--fleet-lost', 'kill', '--', 'true'], { env: newBox().env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^ioguard: --fleet-lost: "kill" is not one of keep, terminate/);
  });
});
