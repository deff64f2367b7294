import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePidStat } from '../../src/proc/parse-pid-stat.ts';
import { listDStateTasks } from '../../src/proc/d-state-tasks.ts';
import { censusDState, groupDStateTasks, ioWaitCount, ioWaitGroups } from '../../src/probe/d-state-census.ts';
import { describeWchan, waitsOnIo } from '../../src/probe/wchan-meanings.ts';
import { fixture, fixturePath } from './helpers/fixtures.ts';

const roots = { procRoot: fixturePath('proc-dstate') };

test('a stat line whose comm has spaces and parentheses keeps its fields in place', () => {
  const stat = parsePidStat(fixture('proc-stat/comm-with-spaces-and-parens'));
  assert.deepEqual({ comm: stat?.comm, state: stat?.state, threads: stat?.threads, starttime: stat?.starttime }, { comm: 'a) (b c', state: 'D', threads: 1, starttime: 98765 });
});

test('the census finds D threads of a multi-threaded process whose main thread sleeps', () => {
  const tasks = listDStateTasks(roots).filter((t) => t.pid === 500);
  assert.deepEqual(tasks.map((t) => [t.tid, t.comm, t.wchan]), [
    [501, 'ib_io_wr', 'balance_dirty_pages'],
    [502, 'ib_log_flush', 'jbd2_log_wait_commit'],
  ]);
});

test('the census reads comm with spaces and parentheses and the wchan of a D process', () => {
  const task = listDStateTasks(roots).find((t) => t.pid === 4242);
  assert.deepEqual(task, { pid: 4242, tid: 4242, comm: 'a) (b c', wchan: 'request_wait_answer' });
});

test('the census counts only D tasks: sleepers and idle kernel threads are left out', () => {
  const census = censusDState(roots);
  assert.equal(census.count, 4);
  assert.ok(census.groups.every((g) => g.tasks.every((t) => t.pid !== 1 && t.pid !== 77)));
});

test('the census groups by wchan, largest group first, each with its meaning', () => {
  const census = censusDState(roots);
  assert.deepEqual(census.groups.map((g) => [g.wchan, g.count]), [
    ['balance_dirty_pages', 2],
    ['jbd2_log_wait_commit', 1],
    ['request_wait_answer', 1],
  ]);
  assert.match(census.groups[0]?.meaning ?? '', /dirty-page throttling/);
  assert.match(census.groups[2]?.meaning ?? '', /FUSE/);
});

test('wchan meanings ignore compiler suffixes and match families by prefix', () => {
  assert.match(describeWchan('folio_wait_bit_common.isra.0') ?? '', /page I\/O/);
  assert.match(describeWchan('fuse_flush') ?? '', /FUSE/);
  assert.match(describeWchan('__iomap_dio_rw') ?? '', /direct I\/O/);
  assert.equal(describeWchan('some_driver_function'), undefined);
  assert.equal(describeWchan(undefined), undefined);
});

test('waitsOnIo: frozen tasks and vfork parents wait on no I/O; unknown and hidden wchans may', () => {
  for (const w of ['__refrigerator', 'do_nanosleep', 'hrtimer_nanosleep', 'ep_poll', 'kernel_clone', 'do_vfork', 'wait_for_vfork_done.isra.0']) assert.equal(waitsOnIo(w), false, w);
  for (const w of ['folio_wait_bit_common', 'jbd2_log_wait_commit', 'balance_dirty_pages', 'some_driver_function', undefined]) assert.equal(waitsOnIo(w), true, String(w));
  assert.match(describeWchan('__refrigerator') ?? '', /frozen by a cgroup freezer/);
  const task = { pid: 1, tid: 1, comm: 'x', wchan: undefined };
  const census = groupDStateTasks([{ ...task, wchan: '__refrigerator' }, { ...task, wchan: 'kernel_clone' }, { ...task, wchan: 'jbd2_log_wait_commit' }, task]);
  assert.equal(census.count, 4);
  assert.equal(ioWaitCount(census), 2);
  assert.deepEqual(ioWaitGroups(census).map((g) => g.wchan).sort(), ['?', 'jbd2_log_wait_commit']);
});

test('a D task waiting in a timer or poll function is explained as frozen', () => {
  assert.match(describeWchan('hrtimer_nanosleep') ?? '', /frozen \(cgroup freezer\)/);
  assert.match(describeWchan('ep_poll') ?? '', /frozen/);
});
