// A signal sent to `ioguard run` while it looks at the system (the gate's 500 ms window) or loads
// execa, before the job's first line: the job must never start, and ioguard ends with 128+N.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { finished, readJobRecord, sandboxes, sleep, startIoguard, until } from '../helpers/cli.ts';

const box = sandboxes();

describe('a signal before the job starts', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} during the gate's look: the command never runs, exit 128+N`, async () => {
      const b = box();
      const marker = join(b.dir, 'job-ran');
      // --on-pressure run: a healthy or a loaded machine alike goes from the look straight to the spawn.
      const child = startIoguard(['run', '--name', 'early', '--on-pressure', 'run', '--', 'sh', '-c', `touch '${marker}'`], { env: b.env });
      // The record appears when the lock is taken, just before the gate's look begins.
      await until(() => readJobRecord(b, 'early'), 10_000, 'the run record');
      child.kill(signal);
      const r = await finished(child);
      assert.equal(r.code, signal === 'SIGTERM' ? 143 : 130, r.stderr);
      await sleep(300);
      assert.equal(existsSync(marker), false, 'the job ran after the signal');
    });
  }
});
