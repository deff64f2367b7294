import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { finished, runIoguard, sandbox, sleep, startIoguard, until } from '../helpers/cli.ts';
import { diskMajMinOf, exclusiveLoad, privateScratch, startThrottledWriter, stop } from '../probe/helpers/load.ts';

const b = sandbox();
after(() => b.cleanup());
const root = { skip: process.getuid?.() !== 0 && 'needs root: cgroup v1 blkio throttle' };

const loadPerCpu = (): number => Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]) / cpus().length;

describe('the gate under its defaults', () => {
  it('a CPU-only neighbour (busy loops, real load above the old limit) does not defer an I/O job', { timeout: 180_000 }, async () => {
    await exclusiveLoad(async () => {
      // Niced so the other test files on this machine keep their CPU; load counts them all the same.
      const loops: ChildProcess[] = [];
      for (let i = 0; i < cpus().length * 4; i++) loops.push(spawn('nice', ['-n', '19', 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' }));
      try {
        await until(() => loadPerCpu() > 3, 150_000, '1-minute load above 3 per CPU');
        // The control: the old default (--max-load 3) would have held this job back.
        const old = await runIoguard(['run', '--name', 'cpu-old', '--on-pressure', 'skip', '--max-load', '3', '--', 'true'], { env: b.env });
        assert.equal(old.code, 75, 'the old load limit trips: the neighbour is real');
        const r = await runIoguard(['run', '--name', 'cpu-io-job', '--', 'sh', '-c', 'echo done'], { env: b.env });
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'done\n');
        assert.equal(b.events().some((e) => e.event === 'deferred' && e.job === 'cpu-io-job'), false);
      } finally {
        for (const l of loops) await stop(l);
      }
    });
  });

  it('a real throttled writer defers it; status shows the holding signal, its figure and the give-up time', { ...root, timeout: 120_000 }, async () => {
    await exclusiveLoad(async () => {
      const file = privateScratch('defaults.bin');
      const load = await startThrottledWriter(file, diskMajMinOf('/var/tmp'), 10);
      try {
        const end = Date.now() + 20_000;
        while ((await runIoguard(['check'], { env: b.env })).code !== 75) {
          if (Date.now() > end) throw new Error('the throttled writer did not raise io pressure over the default limit');
        }
        const job = startIoguard(['run', '--name', 'io-job', '--defer-max', '2m', '--', 'sh', '-c', 'echo ran'], { env: b.env });
        const done = finished(job);
        await until(() => b.events().some((e) => e.event === 'deferred' && e.job === 'io-job'), 15_000, 'deferral');
        const rows = JSON.parse((await runIoguard(['status', '--json'], { env: b.env })).stdout) as Array<Record<string, any>>;
        const row = rows.find((r) => r.name === 'io-job');
        assert.equal(row?.state, 'deferring');
        assert.match(String(row?.holding?.[0]), /^io some \d+(\.\d)?% \(limit 30%\)$/);
        assert.ok(Date.parse(row?.giveUpAt) > Date.now() + 60_000, 'give-up time is about --defer-max away');
        const table = (await runIoguard(['status'], { env: b.env })).stdout;
        assert.match(table, /held by: io some \d+(\.\d)?% \(limit 30%\); starts paced at \d{4}-/);
        const tick = await runIoguard(['run', '--verbose', '--name', 'io-job', '--', 'true'], { env: b.env });
        assert.equal(tick.code, 75);
        assert.match(tick.stderr, /skipped: previous run still deferring for pressure \(held by io some/);
        await load.cleanup();
        const r = await done;
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, 'ran\n');
        const ended = b.events().find((e) => e.event === 'deferral-ended' && e.job === 'io-job');
        assert.equal(ended?.outcome, 'healthy');
        assert.ok((ended?.heldBy as Record<string, { looks: number }>)['io some']!.looks >= 1, 'the summary names the signal that held it');
        assert.match(String(ended?.msg), /held by io some \(\d+ of \d+ looks, worst \d/);
      } finally {
        await load.cleanup();
      }
    });
  });
});

describe('re-checks while deferring', () => {
  it('are spread with jitter around a few seconds, not doubled to 30 s', async () => {
    const { jittered } = await import('../../src/util/sleep.ts');
    const delays = Array.from({ length: 200 }, () => jittered(3000));
    assert.ok(Math.min(...delays) >= 1500 && Math.max(...delays) <= 4500);
    assert.ok(new Set(delays).size > 100, 'jobs deferred together do not look together');
    await sleep(0);
  });
});
