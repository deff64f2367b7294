// Runs examples/croner.ts and examples/node-cron.ts with the real libraries for ~5 s each: a tick
// every second, a body of three seconds. The bodies never overlap, ticks in between are skipped,
// and while a body runs `ioguard status --json` shows the job with the example's pid as its wrapper.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { finished, runIoguard, sandbox, sleep } from '../helpers/cli.ts';
import { maxOverlap } from '../helpers/overlap.ts';

const box = sandbox();
after(() => box.cleanup());

interface Line {
  kind: string;
  t: number;
  rest: string;
}

function parse(stdout: string): Line[] {
  return stdout.trim().split('\n').map((l) => {
    const [kind = '', t = '', ...rest] = l.split(' ');
    return { kind, t: Number(t), rest: rest.join(' ') };
  });
}

for (const example of ['croner', 'node-cron']) {
  describe(`examples/${example}.ts`, () => {
    it('runs one body at a time, skips the ticks in between, and shows in ioguard status while it runs', async () => {
      const file = new URL(`../../examples/${example}.ts`, import.meta.url).pathname;
      // 8 s: room for a few status samples during a 3 s body even when the machine is loaded.
      const child = spawn(process.execPath, ['--import', 'tsx', file, '8'], { env: box.env, stdio: ['ignore', 'pipe', 'pipe'] });
      const done = finished(child);
      const seen: Array<Record<string, unknown>> = [];
      const deadline = Date.now() + 12_000;
      while (Date.now() < deadline && child.exitCode === null) {
        const status = await runIoguard(['status', '--json', 'report'], { env: box.env });
        assert.equal(status.code, 0, status.stderr);
        seen.push(...(JSON.parse(status.stdout) as Array<Record<string, unknown>>));
        await sleep(400);
      }
      const r = await done;
      assert.equal(r.code, 0, r.stderr);
      const lines = parse(r.stdout);
      assert.deepEqual(lines[0], { kind: 'pid', t: child.pid, rest: '' });
      assert.equal(lines.at(-1)?.kind, 'stopped');

      const starts = lines.filter((l) => l.kind === 'start').length;
      const ends = lines.filter((l) => l.kind === 'end').length;
      const skipped = lines.filter((l) => l.kind === 'skipped');
      assert.ok(starts >= 1, `a body ran: ${r.stdout}`);
      assert.equal(ends, starts, 'every body finished before the example stopped');
      assert.equal(maxOverlap(lines), 1, r.stdout);
      assert.ok(skipped.length >= 2, `ticks during a body were skipped: ${r.stdout}`);
      for (const s of skipped) assert.equal(s.rest, 'previous run still running');

      const running = seen.find((row) => row.state === 'running' && row.phase === 'running');
      assert.ok(running, `status showed the job running: ${JSON.stringify(seen)}`);
      assert.equal(running.name, 'report');
      assert.equal(running.wrapperPid, child.pid);
      assert.equal(running.jobPid, child.pid, 'a function runs inside its wrapper');
      assert.equal(running.command, '(function) report');

      const afterwards = await runIoguard(['status', '--json'], { env: box.env });
      assert.deepEqual(JSON.parse(afterwards.stdout), [], 'the lock is released when the example stops');
    });
  });
}
