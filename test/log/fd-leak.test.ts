import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { sandbox } from '../helpers/cli.ts';

const b = sandbox();
after(() => b.cleanup());
const worker = new URL('./fd-worker.ts', import.meta.url).pathname;
// 5,000 of each (the figure) takes minutes here; IOGUARD_FD_CALLS=5000 runs it in full.
const guardCalls = Number(process.env.IOGUARD_FD_CALLS ?? 300);
const commandCalls = Number(process.env.IOGUARD_FD_CALLS ?? 60);

describe('the library leaks no file descriptor', () => {
  it('guard() and runCommand() through every outcome leave /proc/self/fd flat, under ulimit -n 64', { timeout: 1_800_000 }, () => {
    // A leak of one descriptor per call would also hit EMFILE long before the end at this limit.
    const script = `ulimit -n 64 && exec "$0" --import tsx "$1" "$2" ${guardCalls} ${commandCalls}`;
    const r = spawnSync('sh', ['-c', script, process.execPath, worker, b.dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(r.status, 0, r.stderr);
    const { before, after: end, outcomes } = JSON.parse(r.stdout) as { before: number; after: number; outcomes: Record<string, number> };
    assert.deepEqual(outcomes, {
      'guard:completed': guardCalls,
      'guard:failed': guardCalls,
      'guard:skipped': guardCalls,
      'guard:timed-out': guardCalls,
      'run:completed': commandCalls,
      'run:failed': commandCalls,
      'run:skipped': commandCalls,
      'run:127': commandCalls,
      'run:125': commandCalls,
      'run:timed-out': commandCalls,
    });
    assert.equal(end, before, `open descriptors before ${before}, after ${end}`);
  });
});
