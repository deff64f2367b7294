import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runIoguard, sandboxes, startIoguard, until, type Sandbox } from '../helpers/cli.ts';
import { guard } from '../../src/guard/guard.ts';
import { PgServer, pgSkipReason, TEST_DB, TEST_PASSWORD, TEST_ROLE } from './helpers/pg-server.ts';

const skip = pgSkipReason();
const newBox = sandboxes();

describe('the fleet lock on a real PostgreSQL', { skip, concurrency: false, timeout: 240_000 }, () => {
  let pg: PgServer;
  before(async () => {
    pg = await PgServer.create();
  });
  after(async () => {
    await pg?.destroy();
  });

  const run = (box: Sandbox, args: string[], env: NodeJS.ProcessEnv = {}) =>
    runIoguard(['run', '--no-gate', '--name', 'nightly', ...args], { env: { ...box.env, ...env } });
  const tokenOf = (stdout: string): number => Number(/token=(\d+)/.exec(stdout)?.[1]);
  const printToken = ['--', 'sh', '-c', 'echo token=$IOGUARD_FENCING_TOKEN'];

  test('the fencing token grows with every acquisition and reaches the job as IOGUARD_FENCING_TOKEN', async () => {
    const box = newBox();
    const tokens: number[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await run(box, ['--fleet', pg.url(), ...printToken]);
      assert.equal(r.code, 0, r.stderr);
      tokens.push(tokenOf(r.stdout));
    }
    assert.ok(tokens.every((t, i) => Number.isInteger(t) && t > 0 && (i === 0 || t > (tokens[i - 1] as number))), `tokens ${tokens}`);
  });

  test('guard() takes the fleet lock and hands the fencing token to the function', async () => {
    const box = newBox();
    const options = { lockDir: box.lockDir, logFile: false as const, gate: { enabled: false }, fleet: pg.url() };
    const seen: Array<string | null> = [];
    for (let i = 0; i < 2; i++) {
      const r = await guard('nightly', (_signal, run) => seen.push(run.fencingToken), options);
      assert.equal(r.outcome, 'completed');
    }
    assert.ok(seen.every((t) => t !== null) && Number(seen[1]) === Number(seen[0]) + 1, `tokens ${seen}`);
  });

  test('a job holding the fleet lock elsewhere makes this start skip with 75, naming the holder', async () => {
    const holderBox = newBox();
    const otherBox = newBox();
    const holder = startIoguard(['run', '--no-gate', '--name', 'nightly', '--fleet', pg.url(), '--', 'sleep', '3'], { env: holderBox.env });
    await until(() => holderBox.events().some((e) => e.event === 'started'), 15_000, 'holder started');
    const r = await run(otherBox, ['--fleet', pg.url(), '--verbose', '--', 'echo', 'second copy']);
    assert.equal(r.code, 75, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /running elsewhere in the fleet: host \S+ \(wrapper pid \d+/);
    assert.equal((await holder.done).code, 0);
  });

  test('a wrong password gives one clear line and exit 75', async () => {
    const r = await run(newBox(), ['--fleet', pg.url('wrong-password'), '--', 'echo', 'ran']);
    assert.equal(r.code, 75);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /^ioguard: job "nightly" not started: fleet server postgres:\/\/ioguard_fleet:\*\*\*@127\.0\.0\.1:\d+\/fleet unavailable: password authentication failed for user "ioguard_fleet" \(--fleet-unavailable skip\)\n$/);
  });

  test('a refused connection gives one clear line and exit 75', async () => {
    const r = await run(newBox(), ['--fleet', `postgres://${TEST_ROLE}:x@127.0.0.1:1/${TEST_DB}`, '--', 'echo', 'ran']);
    assert.equal(r.code, 75);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^ioguard: job "nightly" not started: fleet server \S+ unavailable: connect ECONNREFUSED 127\.0\.0\.1:1 \(--fleet-unavailable skip\)\n$/);
  });

  test('a server that accepts but never answers is given up after --fleet-connect-timeout', async () => {
    pg.pause(true);
    try {
      const t0 = Date.now();
      const r = await run(newBox(), ['--fleet', pg.url(), '--fleet-connect-timeout', '1s', '--', 'echo', 'ran']);
      assert.equal(r.code, 75);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^ioguard: job "nightly" not started: fleet server \S+ unavailable: .*timeout.* \(--fleet-unavailable skip\)\n$/i);
      // Bounded, with a wide margin for a loaded machine: the point is that it does not hang.
      assert.ok(Date.now() - t0 < 20_000);
    } finally {
      pg.pause(false);
    }
  });

  test('a statement blocked on the fleet table is given up after --fleet-lock-timeout', async () => {
    await run(newBox(), ['--fleet', pg.url(), '--', 'true']);
    const blocker = pg.session();
    blocker.send('BEGIN; LOCK TABLE ioguard_fleet_jobs IN ACCESS EXCLUSIVE MODE;');
    await until(() => pg.psql("SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock' AND granted AND relation = 'ioguard_fleet_jobs'::regclass", TEST_DB) === '1', 10_000, 'table locked');
    try {
      const r = await run(newBox(), ['--fleet', pg.url(), '--fleet-lock-timeout', '1s', '--', 'echo', 'ran']);
      assert.equal(r.code, 75);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /unavailable: canceling statement due to (lock|statement) timeout \(--fleet-unavailable skip\)\n$/);
    } finally {
      blocker.send('ROLLBACK;');
      await blocker.end();
    }
  });

  test('--fleet-unavailable run-local runs the job under the local lock when the server is unreachable', async () => {
    const r = await run(newBox(), ['--fleet', `postgres://${TEST_ROLE}:x@127.0.0.1:1/${TEST_DB}`, '--fleet-unavailable', 'run-local', ...printToken]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'token=\n');
    assert.match(r.stderr, /running under the local lock only \(--fleet-unavailable run-local\)/);
  });

  test('a password from PGPASSFILE is used with a URL that has none', async () => {
    const box = newBox();
    const passfile = join(box.dir, 'pgpass');
    writeFileSync(passfile, `127.0.0.1:${pg.port}:${TEST_DB}:${TEST_ROLE}:${TEST_PASSWORD}\n`, { mode: 0o600 });
    const r = await run(box, ['--fleet', pg.bareUrl(), ...printToken], { PGPASSFILE: passfile });
    assert.equal(r.code, 0, r.stderr);
    assert.ok(tokenOf(r.stdout) > 0);
    // A routine tick says nothing: pg's own pgpass path printed a DeprecationWarning every time.
    assert.equal(r.stderr, '');
  });

  test('pgpass as libpq reads it: comments, wildcards, escapes, the first match wins; stderr stays empty', async () => {
    const box = newBox();
    const passfile = join(box.dir, 'pgpass');
    const lines = ['# a comment', `127.0.0.1:${pg.port}:other:${TEST_ROLE}:wrong`, `*:${pg.port}:*:${TEST_ROLE}:${TEST_PASSWORD.replaceAll(':', '\\:')}`, `*:*:*:*:wrong-too`];
    writeFileSync(passfile, `${lines.join('\n')}\n`, { mode: 0o600 });
    const r = await run(box, ['--fleet', pg.bareUrl(), ...printToken], { PGPASSFILE: passfile });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  });

  test('a pgpass file readable by others is refused as libpq does, said in the one line', async () => {
    const box = newBox();
    const passfile = join(box.dir, 'pgpass');
    writeFileSync(passfile, `*:*:*:*:${TEST_PASSWORD}\n`, { mode: 0o644 });
    const r = await run(box, ['--fleet', pg.bareUrl(), ...printToken], { PGPASSFILE: passfile });
    assert.equal(r.code, 75);
    assert.match(r.stderr, /password file \S+pgpass has group or world access; permissions should be u=rw \(0600\) or less/);
    assert.doesNotMatch(r.stderr, /DeprecationWarning|S3cret/);
  });

  test('the password never reaches the log, the records, status or stderr', async () => {
    const box = newBox();
    const outputs: string[] = [];
    const holder = startIoguard(['run', '--no-gate', '--name', 'nightly', '--fleet', pg.url(), '--fleet-heartbeat', '200ms', '--', 'sleep', '2'], { env: box.env });
    await until(() => box.events().some((e) => e.event === 'started'), 15_000, 'holder started');
    outputs.push((await runIoguard(['status', '--json'], { env: box.env })).stdout);
    for (const json of [[], ['--json']]) {
      const s = await runIoguard(['status', '--fleet', pg.url(), ...json], { env: box.env });
      assert.equal(s.code, 0, s.stderr);
      outputs.push(s.stdout, s.stderr);
    }
    outputs.push(...Object.values(await run(box, ['--fleet', pg.url(), '--', 'true'])).map(String));
    outputs.push(...Object.values(await run(box, ['--fleet', pg.url('wrong-password'), '--', 'true'])).map(String));
    outputs.push(...Object.values(await runIoguard(['check', '--fleet', pg.url()], { env: box.env })).map(String));
    outputs.push(...Object.values(await holder.done).map(String));
    for (const f of readdirSync(box.lockDir)) outputs.push(readFileSync(join(box.lockDir, f), 'utf8'));
    outputs.push(readFileSync(box.logFile, 'utf8'));
    outputs.push(pg.psql('SELECT row_to_json(t) FROM ioguard_fleet_jobs t', TEST_DB));
    const all = outputs.join('\n');
    assert.match(all, /ioguard_fleet:\*\*\*@/, 'the redacted URL is shown');
    assert.ok(!all.includes(TEST_PASSWORD), 'the password appears somewhere');
    assert.ok(!all.includes('wrong-password'), 'the wrong password appears somewhere');
  });

  test('status --fleet lists the jobs with their host, and check reports the server reachable', async () => {
    const box = newBox();
    const s = await runIoguard(['status', '--fleet', pg.url(), '--json'], { env: box.env });
    const rows = JSON.parse(s.stdout) as Array<Record<string, unknown>>;
    const row = rows.find((r) => r.name === 'nightly');
    assert.ok(row, s.stdout);
    assert.equal(typeof row.host, 'string');
    assert.equal(row.state, 'idle');
    const c = await runIoguard(['check', '--fleet', pg.url(), '--json'], { env: box.env });
    const fleet = (JSON.parse(c.stdout) as { fleet: Record<string, unknown> }).fleet;
    assert.equal(fleet.reachable, true);
    assert.equal(fleet.error, null);
  });

  // This name's key is negative (-6522691307415940435): the harder case of mapping a bigint key onto pg_locks' two oid halves.
  test('status --fleet tells a held lock from one whose holder died', async () => {
    const box = newBox();
    const state = async (): Promise<unknown> => {
      const s = await runIoguard(['status', '--fleet', pg.url(), '--json', 'held-or-lost'], { env: box.env });
      return (JSON.parse(s.stdout) as Array<{ state: string }>)[0]?.state;
    };
    const holder = startIoguard(['run', '--no-gate', '--name', 'held-or-lost', '--fleet', pg.url(), '--', 'sleep', '30'], { env: box.env });
    await until(() => box.events().some((e) => e.event === 'started'), 15_000, 'holder started');
    assert.equal(await state(), 'held');
    const jobPid = Number(box.events().find((e) => e.event === 'started')?.jobPid);
    holder.kill('SIGKILL');
    await holder.exited;
    try {
      // The server notices the closed socket at once; allow it a moment under load.
      let seen: unknown;
      for (let i = 0; i < 50 && seen !== 'lost'; i++) {
        seen = await state();
        if (seen !== 'lost') await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(seen, 'lost');
    } finally {
      process.kill(-jobPid, 'SIGKILL');
    }
  });

  test('check reports an unreachable fleet server with its reason and exits 75', async () => {
    const c = await runIoguard(['check', '--json', '--max-io-pressure', '100', '--max-io-full', '100', '--max-dirty', '100', '--max-load', '1000', '--max-blocked', '100000'], { env: { ...newBox().env, IOGUARD_FLEET_URL: `postgres://${TEST_ROLE}:${TEST_PASSWORD}@127.0.0.1:1/${TEST_DB}` } });
    const out = JSON.parse(c.stdout) as { fleet: Record<string, unknown>; healthy: boolean };
    const fleet = out.fleet;
    assert.equal(fleet.reachable, false);
    assert.match(String(fleet.error), /ECONNREFUSED/);
    assert.ok(!c.stdout.includes(TEST_PASSWORD));
    // The system's own verdict holds with these thresholds unless other tests load the machine to
    // the limit; either way an unreachable fleet server alone must make check exit 75.
    assert.equal(c.code, 75, `healthy ${out.healthy}`);
  });

  test('the server killed mid-run: the job continues, the next tick follows --fleet-unavailable', async () => {
    const box = newBox();
    const mark = join(box.dir, 'done');
    const holder = startIoguard(['run', '--no-gate', '--name', 'nightly', '--fleet', pg.url(), '--fleet-heartbeat', '200ms', '--', 'sh', '-c', `sleep 2; echo finished > ${mark}`], { env: box.env });
    await until(() => box.events().some((e) => e.event === 'started'), 15_000, 'holder started');
    await pg.kill();
    const r = await holder.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(mark, 'utf8'), 'finished\n');
    assert.match(r.stderr, /lost the fleet lock .*the job continues/);
    const next = await run(box, ['--fleet', pg.url(), '--fleet-connect-timeout', '2s', '--', 'echo', 'ran']);
    assert.equal(next.code, 75);
    assert.match(next.stderr, /unavailable: connect ECONNREFUSED/);
    const local = await run(box, ['--fleet', pg.url(), '--fleet-unavailable', 'run-local', '--', 'echo', 'ran']);
    assert.equal(local.code, 0);
    assert.equal(local.stdout, 'ran\n');
    await pg.start();
  });

  test('the server restarted mid-run: the wrapper retakes the lock and the token keeps growing', async () => {
    const box = newBox();
    const first = await run(box, ['--fleet', pg.url(), ...printToken]);
    const before = tokenOf(first.stdout);
    assert.ok(before > 0, first.stderr);
    const holder = startIoguard(['run', '--no-gate', '--name', 'nightly', '--fleet', pg.url(), '--fleet-heartbeat', '200ms', '--', 'sleep', '6'], { env: box.env });
    await until(() => box.events().filter((e) => e.event === 'started').length === 2, 15_000, 'holder started');
    await pg.stop();
    await pg.start();
    const r = await holder.done;
    assert.ok(box.events().some((e) => e.event === 'fleet-reacquired'), JSON.stringify(box.events().map((e) => [e.event, e.msg])));
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /CONFLICT/);
    const afterToken = tokenOf((await run(box, ['--fleet', pg.url(), ...printToken])).stdout);
    assert.ok(afterToken > before + 1, `${afterToken} after ${before}`);
  });
});
