import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { finished, runIoguard, sandbox, startIoguard, until } from '../helpers/cli.ts';
import { diskMajMinOf, exclusiveLoad, privateScratch, startThrottledWriter } from '../probe/helpers/load.ts';
import { needsRoot } from '../helpers/root.ts';

const b = sandbox();
after(() => b.cleanup());
// A low limit: system PSI weighs CPUs by busy time, so one stalled writer on 2 CPUs reads 50-100%.
// The other checks are off so that another test file's buffered writer cannot trip them.
const LIMIT = ['--max-io-pressure', '30', '--max-io-full', 'off', '--max-dirty', 'off', '--max-blocked', 'off', '--max-load', 'off'];

async function withLoad(fn: (stopLoad: () => Promise<void>) => Promise<void>): Promise<void> {
  await exclusiveLoad(async () => {
    const file = privateScratch('gate.bin');
    const load = await startThrottledWriter(file, diskMajMinOf('/var/tmp'), 10);
    try {
      const end = Date.now() + 15_000;
      while ((await runIoguard(['check', ...LIMIT, '--window', '500ms'], { env: b.env })).code !== 75) {
        if (Date.now() > end) throw new Error('the throttled writer did not raise io pressure above 30%');
      }
      await fn(load.cleanup);
    } finally {
      await load.cleanup();
    }
  });
}

describe('the pressure gate under real I/O load (cgroup-throttled direct-I/O writer)', { skip: needsRoot('a cgroup v1 blkio throttle makes the I/O load') }, () => {
  it('--on-pressure skip exits 75 and names io pressure; once the load stops the same command runs', async () => {
    await withLoad(async (stopLoad) => {
      const r = await runIoguard(['run', '--verbose', '--on-pressure', 'skip', ...LIMIT, '--', 'true'], { env: b.env });
      assert.equal(r.code, 75);
      assert.match(r.stderr, /skipped: system under pressure: io pressure: some task waited on I\/O \d+% of the last/);
      const skipped = b.events().filter((e) => e.event === 'skipped').pop();
      assert.ok(Number((skipped?.figures as Record<string, number>).ioPressure) > 30, 'the log line holds the measured figure');
      await stopLoad();
      // Pressure decays within a second or two; the same command runs once it has.
      const end = Date.now() + 20_000;
      let again = await runIoguard(['run', '--on-pressure', 'skip', ...LIMIT, '--', 'true'], { env: b.env });
      while (again.code === 75 && Date.now() < end) again = await runIoguard(['run', '--on-pressure', 'skip', ...LIMIT, '--', 'true'], { env: b.env });
      assert.equal(again.code, 0);
    });
  });

  it('a deferred run holds the lock (status: deferring, later ticks skip) and starts once pressure falls', async () => {
    await withLoad(async (stopLoad) => {
      const deferred = startIoguard(['run', '--name', 'deferred', '--defer-max', '2m', ...LIMIT, '--', 'sh', '-c', 'echo ran'], { env: b.env });
      const done = finished(deferred);
      await until(() => b.events().some((e) => e.event === 'deferred' && e.job === 'deferred'), 10_000, 'deferral');
      const status = JSON.parse((await runIoguard(['status', '--json'], { env: b.env })).stdout) as Array<Record<string, unknown>>;
      assert.equal(status.find((r) => r.name === 'deferred')?.state, 'deferring');
      const tick = await runIoguard(['run', '--name', 'deferred', '--', 'true'], { env: b.env });
      assert.equal(tick.code, 75, 'a later tick skips instead of piling up');
      await stopLoad();
      const r = await done;
      assert.equal(r.code, 0);
      assert.equal(r.stdout, 'ran\n');
      const ended = b.events().find((e) => e.event === 'deferral-ended' && e.job === 'deferred');
      assert.equal(ended?.outcome, 'healthy');
    });
  });

  it('a deferral that reaches --defer-max with --defer-then skip skips with 75 and logs why', async () => {
    await withLoad(async () => {
      const r = await runIoguard(['run', '--name', 'maxed', '--defer-max', '1s', '--defer-then', 'skip', ...LIMIT, '--', 'true'], { env: b.env });
      assert.equal(r.code, 75);
      const ended = b.events().find((e) => e.event === 'deferral-ended' && e.job === 'maxed');
      assert.equal(ended?.outcome, 'defer-max');
    });
  });

  it('by default a deferral that reaches --defer-max starts the job paced, and says so in the log and the history; with --no-govern it starts unpaced (defer-max-run)', async () => {
    await withLoad(async () => {
      const r = await runIoguard(['run', '--name', 'paced', '--defer-max', '1s', ...LIMIT, '--', 'sh', '-c', 'echo ran'], { env: b.env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'ran\n');
      const ended = b.events().find((e) => e.event === 'deferral-ended' && e.job === 'paced');
      assert.equal(ended?.outcome, 'defer-max-paced');
      assert.match(String(ended?.msg), /starting paced/);
      const history = JSON.parse((await runIoguard(['history', 'paced', '--json'], { env: b.env })).stdout) as { entries: Array<Record<string, unknown>> };
      assert.equal(history.entries.at(-1)?.outcome, 'completed');
      assert.equal(history.entries.at(-1)?.pacedAfterDeferral, true);
      // With the governor off nothing paces it: it starts all the same, and says so.
      const free = await runIoguard(['run', '--name', 'unpaced', '--defer-max', '1s', '--no-govern', ...LIMIT, '--', 'sh', '-c', 'echo ran'], { env: b.env });
      assert.equal(free.code, 0, free.stderr);
      const endedFree = b.events().find((e) => e.event === 'deferral-ended' && e.job === 'unpaced');
      assert.equal(endedFree?.outcome, 'defer-max-run');
      assert.match(String(endedFree?.msg), /starting anyway \(nothing paces it/);
      const freeHistory = JSON.parse((await runIoguard(['history', 'unpaced', '--json'], { env: b.env })).stdout) as { entries: Array<Record<string, unknown>> };
      assert.equal(freeHistory.entries.at(-1)?.outcome, 'completed');
      assert.notEqual(freeHistory.entries.at(-1)?.pacedAfterDeferral, true);
    });
  });

  it('--on-pressure throttle starts the job at idle I/O class and nice 19', async () => {
    await withLoad(async () => {
      const r = await runIoguard(['run', '--on-pressure', 'throttle', ...LIMIT, '--', 'sh', '-c', 'ionice -p $$; nice'], { env: b.env });
      assert.equal(r.code, 0);
      assert.equal(r.stdout, 'idle\n19\n');
    });
  });
});

describe('priorities and thresholds', () => {
  it('--ionice and --nice apply even when the system is healthy', async () => {
    const r = await runIoguard(['run', '--no-gate', '--ionice', 'best-effort:7', '--nice', '5', '--', 'sh', '-c', 'ionice -p $$; nice'], { env: b.env });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'best-effort: prio 7\n5\n');
  });

  for (const [flag, value, pattern] of [
    ['--max-io-pressure', '-5', /--max-io-pressure/],
    ['--max-io-pressure', '150', /--max-io-pressure: "150"/],
    ['--max-dirty', 'lots', /--max-dirty: "lots"/],
    ['--min-free', '5', /--min-free: "5"/],
    ['--max-blocked', '2.5', /--max-blocked/],
    ['--on-pressure', 'panic', /--on-pressure: "panic" is not one of defer, skip, throttle, run/],
    ['--ionice', 'idle:3', /--ionice/],
    ['--nice', '40', /--nice: "40"/],
    ['--defer-max', '10', /--defer-max: "10" is not a duration/],
  ] as const) {
    it(`${flag} ${value} exits 2 naming the flag`, async () => {
      const r = await runIoguard(['run', `${flag}=${value}`, '--', 'true'], { env: b.env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    });
  }

  it('check takes the same threshold flags and exits 2 on a bad one', async () => {
    const r = await runIoguard(['check', '--max-util=101'], { env: b.env });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--max-util/);
  });

  it('check exits 0 when every threshold holds and 75 when one does not', async () => {
    assert.equal((await runIoguard(['check', '--max-load', '1000', '--max-io-pressure', '100', '--max-io-full', '100', '--max-blocked', '100000'], { env: b.env })).code, 0);
    const r = await runIoguard(['check', '--max-blocked', '0', '--max-load', '0'], { env: b.env });
    assert.equal(r.code, 75);
    assert.match(r.stdout, /Verdict: under pressure/);
  });
});
