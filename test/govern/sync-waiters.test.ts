import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parsePidIo } from '../../src/proc/parse-pid-io.ts';
import { readPidIo } from '../../src/proc/processes.ts';
import { callsPerSecond, isSyncWait, relieved, SyncWaitWatch } from '../../src/govern/sync-waiters.ts';

const waiter = (pid: number, calls?: number) => ({ pid, comm: `p${pid}`, wchan: 'jbd2_log_wait_commit', calls });

describe('sync waits (src/govern/sync-waiters.ts)', () => {
  it('names the waits for durable data, not a writer throttled by the bound or a plain sleep', () => {
    for (const w of ['folio_wait_bit', 'jbd2_log_wait_commit', 'submit_bio_wait', 'wait_on_page_writeback', 'xlog_wait_on_iclog']) assert.ok(isSyncWait(w), w);
    for (const w of ['balance_dirty_pages', 'iomap_dio_rw', 'do_select', '0', undefined]) assert.equal(isSyncWait(w), false, String(w));
  });

  it('holds for a process seen in a row, with its calls per second over the streak; a gap starts it over', () => {
    const watch = new SyncWaitWatch(3);
    assert.equal(watch.look([waiter(7, 10)], 0), undefined);
    assert.equal(watch.look([waiter(7, 12), waiter(8)], 250), undefined);
    assert.deepEqual(watch.look([waiter(7, 14), waiter(8)], 500), { waiter: waiter(7, 14), looks: 3, callsPerSecond: 8 });
    assert.equal(watch.look([], 750), undefined);
    assert.equal(watch.quietLooks, 1);
    assert.equal(watch.look([waiter(7, 20)], 1000), undefined, 'a look without it broke the streak');
  });

  it('a hold is worth keeping when the waiter speeds up enough, or when its rates are unknown', () => {
    assert.equal(callsPerSecond(4, 12, 1000), 8);
    assert.equal(callsPerSecond(undefined, 12, 1000), undefined);
    assert.equal(relieved(7, 360, 1.5), true);
    assert.equal(relieved(7, 8, 1.5), false);
    assert.equal(relieved(undefined, 8, 1.5), true);
  });

  it('reads the read and write calls of /proc/PID/io, and this process\'s own grow', () => {
    assert.equal(parsePidIo('rchar: 5\nwchar: 6\nsyscr: 3\nsyscw: 4\nread_bytes: 0\nwrite_bytes: 0\n')?.calls, 7);
    // readPidIo (src/proc/processes.ts), the reader the governor uses, against the real /proc.
    const own = () => readPidIo(process.pid)?.calls ?? 0;
    const before = own();
    readFileSync('/proc/self/stat');
    assert.ok(own() > before);
    assert.equal(readPidIo(process.pid, { procRoot: '/nonexistent-proc' }), undefined);
  });
});
