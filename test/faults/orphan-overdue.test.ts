import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPidStat } from '../../src/proc/processes.ts';
import { groupAlive, readJobRecord, runIoguard, sandboxes, sleep, startIoguard, until } from '../helpers/cli.ts';

const box = sandboxes();

describe('an orphan past its deadline', () => {
  it('is shown overdue by status, then ended by the next start (TERM to its group), which runs', async () => {
    const b = box();
    const wrapper = startIoguard(['run', '--no-gate', '--name', 'od', '--timeout', '1s', '--kill-after', '1s', '--', 'sleep', '60'], { env: b.env });
    const job = await until(() => { const j = readJobRecord(b, 'od')?.job; return j && readPidStat(j.pid)?.comm === 'sleep' && j; }, 10_000, 'job running');
    wrapper.kill('SIGKILL');
    try {
      const early = await runIoguard(['run', '--no-gate', '--name', 'od', '--', 'true'], { env: b.env });
      assert.equal(early.code, 75, 'before deadline + kill-after the orphan is still a running job');
      await sleep(2500);
      assert.ok(groupAlive(job.pgid), 'nobody ended it: its wrapper is gone');
      const rows = JSON.parse((await runIoguard(['status', '--json'], { env: b.env })).stdout) as Array<Record<string, unknown>>;
      assert.equal(rows[0]?.state, 'overdue');
      const next = await runIoguard(['run', '--no-gate', '--name', 'od', '--', 'sh', '-c', 'echo ran'], { env: b.env });
      assert.equal(next.code, 0);
      assert.equal(next.stdout, 'ran\n');
      assert.match(next.stderr, new RegExp(`orphaned run \\(job pid ${job.pid}, its wrapper \\d+ gone\\) is .* past its deadline; sending SIGTERM to process group ${job.pgid}`));
      assert.equal(groupAlive(job.pgid), false, 'the orphan is gone');
      const events = b.events().map((e) => e.event);
      assert.ok(events.includes('overdue') && events.indexOf('overdue') < events.lastIndexOf('started'), 'logged before the new start');
    } finally {
      try {
        process.kill(-job.pgid, 'SIGKILL');
      } catch {
        // Already ended, as it should be.
      }
    }
  });
});
