import assert from 'node:assert/strict';
import { test } from 'node:test';
import { confirmVerdict, evaluate } from '../../src/probe/evaluate.ts';
import { DEFAULT_THRESHOLDS, FALLBACK_MAX_LOAD, FALLBACK_MAX_UTIL } from '../../src/probe/thresholds.ts';
import { disk, psiSignal, quietSnapshot } from './helpers/snapshot.ts';

test('a quiet machine is healthy under the defaults', () => {
  const verdict = evaluate(quietSnapshot(), DEFAULT_THRESHOLDS);
  assert.equal(verdict.healthy, true);
  assert.deepEqual(verdict.reasons, []);
  assert.deepEqual(verdict.missing, []);
});

test('io some stall over the limit makes the verdict unhealthy and says so with figure and limit', () => {
  const snapshot = { ...quietSnapshot(), psi: { ...quietSnapshot().psi, io: psiSignal(92, 20) } };
  const verdict = evaluate(snapshot, DEFAULT_THRESHOLDS);
  assert.equal(verdict.healthy, false);
  assert.deepEqual(verdict.reasons.map((r) => [r.signal, r.value, r.threshold, r.unit]), [['ioPressure', 92, 30, '%']]);
  assert.match(verdict.reasons[0]?.message ?? '', /waited on I\/O 92% of the last 1\.0 s \(limit 30%\)/);
});

test('a figure equal to its limit still passes', () => {
  const snapshot = { ...quietSnapshot(), psi: { ...quietSnapshot().psi, io: psiSignal(30, 30) } };
  assert.equal(evaluate(snapshot, DEFAULT_THRESHOLDS).healthy, true);
});

test('dirty pages past the limit fail the verdict', () => {
  const s = quietSnapshot();
  const snapshot = { ...s, dirty: { ...s.dirty!, percentOfThrottle: 97 } };
  assert.deepEqual(evaluate(snapshot, DEFAULT_THRESHOLDS).reasons.map((r) => r.signal), ['dirty']);
});

test('too many D-state tasks fail the verdict and name the largest wchan group', () => {
  const task = { pid: 1, tid: 1, comm: 'rsync', wchan: 'jbd2_log_wait_commit' };
  const snapshot = { ...quietSnapshot(), dState: { count: 30, groups: [{ wchan: 'jbd2_log_wait_commit', meaning: 'x', count: 30, tasks: [task] }] } };
  const reason = evaluate(snapshot, DEFAULT_THRESHOLDS).reasons[0];
  assert.equal(reason?.signal, 'blocked');
  assert.match(reason?.message ?? '', /30 tasks in D state, most in jbd2_log_wait_commit \(limit 20\)/);
});

test('frozen tasks and vfork parents in D do not count against --max-blocked: they wait on no I/O', () => {
  const task = { pid: 1, tid: 1, comm: 'rsync', wchan: 'x' };
  const group = (wchan: string, count: number) => ({ wchan, meaning: 'x', count, tasks: [task] });
  const frozenJob = { ...quietSnapshot(), dState: { count: 45, groups: [group('__refrigerator', 25), group('do_nanosleep', 10), group('kernel_clone', 5), group('folio_wait_bit_common', 5)] } };
  assert.equal(evaluate(frozenJob, DEFAULT_THRESHOLDS).healthy, true, '5 waiting on I/O, under 20');
  const reason = evaluate(frozenJob, { ...DEFAULT_THRESHOLDS, maxBlocked: 4 }).reasons[0];
  assert.equal(reason?.value, 5);
  assert.match(reason?.message ?? '', /5 tasks in D state, most in folio_wait_bit_common \(limit 4\)/);
  // A hidden wchan may be I/O: it counts.
  assert.equal(evaluate({ ...quietSnapshot(), dState: { count: 21, groups: [group('?', 21)] } }, DEFAULT_THRESHOLDS).healthy, false);
});

test('free space is checked on the path in percent or in bytes', () => {
  const s = quietSnapshot();
  const low = { ...s, space: { ...s.space!, freePercent: 3, availableBytes: 3 * 2 ** 30 } };
  assert.deepEqual(evaluate(low, DEFAULT_THRESHOLDS).reasons.map((r) => [r.signal, r.unit]), [['free', '%']]);
  const bytes = evaluate(s, { minFree: { bytes: 50 * 2 ** 30 } });
  assert.deepEqual(bytes.reasons.map((r) => [r.signal, r.value, r.threshold, r.unit]), [['free', 40 * 2 ** 30, 50 * 2 ** 30, 'bytes']]);
  assert.match(bytes.reasons[0]?.message ?? '', /40 GiB free on \/srv\/backup \(minimum 50 GiB\)/);
});

test('without a path free space is not checked and not reported missing', () => {
  const verdict = evaluate({ ...quietSnapshot(), path: undefined, space: undefined }, DEFAULT_THRESHOLDS);
  assert.equal(verdict.checks.some((c) => c.signal === 'free'), false);
  assert.deepEqual(verdict.missing, []);
});

test('load per CPU over a given limit fails the verdict', () => {
  const s = quietSnapshot();
  const snapshot = { ...s, load: { ...s.load!, load1: 8, perCpu1: 4 } };
  assert.deepEqual(evaluate(snapshot, { ...DEFAULT_THRESHOLDS, maxLoad: 3 }).reasons.map((r) => r.signal), ['load']);
});

test('load is not checked by default where PSI exists: CPU-bound neighbours do not hold an I/O job', () => {
  const s = quietSnapshot();
  const verdict = evaluate({ ...s, load: { ...s.load!, load1: 17, perCpu1: 8.5 } }, DEFAULT_THRESHOLDS);
  assert.equal(verdict.healthy, true);
  assert.equal(verdict.checks.some((c) => c.signal === 'load'), false);
});

test('without PSI load per CPU is checked at the fallback limit', () => {
  const s = quietSnapshot();
  const snapshot = { ...s, psi: { io: undefined, memory: undefined, cpu: undefined }, load: { ...s.load!, load1: 8, perCpu1: 4 } };
  assert.deepEqual(evaluate(snapshot, DEFAULT_THRESHOLDS).reasons.map((r) => [r.signal, r.threshold]), [['load', FALLBACK_MAX_LOAD]]);
});

test('io full is not checked by default, since it reads 0% while another CPU is busy', () => {
  const s = quietSnapshot();
  const verdict = evaluate({ ...s, psi: { ...s.psi, io: psiSignal(10, 90) } }, DEFAULT_THRESHOLDS);
  assert.equal(verdict.healthy, true);
  assert.equal(verdict.checks.some((c) => c.signal === 'ioFull'), false);
});

test('a dirty level above half the throttle point and rising fast fails the verdict', () => {
  const s = quietSnapshot();
  const snapshot = { ...s, dirty: { ...s.dirty!, percentOfThrottle: 70 } };
  const verdict = evaluate(snapshot, DEFAULT_THRESHOLDS, { percentOfThrottle: 40, msBefore: 1000 });
  assert.deepEqual(verdict.reasons.map((r) => [r.signal, r.value, r.unit]), [['dirty', 30, '% per s']]);
  assert.match(verdict.reasons[0]?.message ?? '', /rising 30\.0 points a second \(limit 10\)/);
});

test('a fast rise far below the throttle point does not fail the verdict', () => {
  const s = quietSnapshot();
  const snapshot = { ...s, dirty: { ...s.dirty!, percentOfThrottle: 35 } };
  assert.equal(evaluate(snapshot, DEFAULT_THRESHOLDS, { percentOfThrottle: 5, msBefore: 1000 }).healthy, true);
});

test('two looks: a limit tripped on only one of them does not hold the job', () => {
  const s = quietSnapshot();
  const busy = evaluate({ ...s, psi: { ...s.psi, io: psiSignal(80, 0) } }, DEFAULT_THRESHOLDS);
  const quiet = evaluate(s, DEFAULT_THRESHOLDS);
  assert.equal(confirmVerdict(busy, quiet).healthy, true);
  assert.equal(confirmVerdict(quiet, busy).healthy, true);
  assert.deepEqual(confirmVerdict(busy, busy).reasons.map((r) => r.signal), ['ioPressure']);
});

test('two looks: one throttled writer seen on both holds the job, on one only it does not', () => {
  const task = { pid: 7, tid: 7, comm: 'rsync', wchan: 'balance_dirty_pages' };
  const throttled = evaluate({ ...quietSnapshot(), dState: { count: 1, groups: [{ wchan: 'balance_dirty_pages', meaning: 'x', count: 1, tasks: [task] }] } }, DEFAULT_THRESHOLDS);
  const quiet = evaluate(quietSnapshot(), DEFAULT_THRESHOLDS);
  assert.equal(confirmVerdict(throttled, quiet).healthy, true);
  assert.deepEqual(confirmVerdict(throttled, throttled).reasons.map((r) => [r.signal, r.unit]), [['dirty', 'tasks']]);
});

test('util is off by default while PSI is readable, since %util misleads on SSDs and under throttling', () => {
  const s = quietSnapshot();
  const verdict = evaluate({ ...s, disks: [disk('sda', 100, true)] }, DEFAULT_THRESHOLDS);
  assert.equal(verdict.healthy, true);
  assert.equal(verdict.checks.some((c) => c.signal === 'util'), false);
});

test('util checks the path devices only, even when another disk is busier', () => {
  const s = quietSnapshot();
  const verdict = evaluate({ ...s, disks: [disk('sda', 40, true), disk('sdb', 99)] }, { maxUtil: 90 });
  assert.equal(verdict.healthy, true);
  assert.equal(verdict.checks[0]?.device, 'sda');
});

test('util checks every disk without a path, so a saturated disk elsewhere holds the job back', () => {
  const s = quietSnapshot();
  const verdict = evaluate({ ...s, path: undefined, space: undefined, disks: [disk('sda', 40), disk('sdb', 99)] }, { maxUtil: 90 });
  assert.deepEqual(verdict.reasons.map((r) => [r.signal, r.device]), [['util', 'sdb']]);
});

test('without PSI the verdict falls back to util at the fallback limit and says so', () => {
  const s = quietSnapshot();
  const snapshot = { ...s, psi: { io: undefined, memory: undefined, cpu: undefined }, disks: [disk('sda', 97, true)], missing: ['psi.io', 'psi.memory', 'psi.cpu'] };
  const verdict = evaluate(snapshot, DEFAULT_THRESHOLDS);
  assert.equal(verdict.fallback, true);
  assert.equal(verdict.healthy, false);
  assert.deepEqual(verdict.reasons.map((r) => [r.signal, r.threshold]), [['util', FALLBACK_MAX_UTIL]]);
  assert.deepEqual(verdict.missing.map((m) => m.signal), ['ioPressure']);
  assert.match(verdict.notes.join('\n'), /no io pressure \(PSI\) on this kernel: judged by disk util%/);
});

test('a missing signal is listed as not checked and never fails the verdict', () => {
  const verdict = evaluate({ ...quietSnapshot(), dirty: undefined, load: undefined }, DEFAULT_THRESHOLDS);
  assert.equal(verdict.healthy, true);
  assert.deepEqual(verdict.missing.map((m) => m.signal), ['dirty']);
});

test('a kernel with io PSI but no full line checks some and lists full as not checked when asked for', () => {
  const s = quietSnapshot();
  const verdict = evaluate({ ...s, psi: { ...s.psi, io: psiSignal(10, undefined) } }, { ...DEFAULT_THRESHOLDS, maxIoFull: 70 });
  assert.equal(verdict.fallback, false);
  assert.deepEqual(verdict.missing.map((m) => m.signal), ['ioFull']);
});

test('writers waiting in balance_dirty_pages fail the dirty check even when the global ratio is low', () => {
  const task = { pid: 7, tid: 7, comm: 'rsync', wchan: 'balance_dirty_pages' };
  const snapshot = { ...quietSnapshot(), dState: { count: 3, groups: [{ wchan: 'balance_dirty_pages', meaning: 'x', count: 3, tasks: [task, task, task] }] } };
  const verdict = evaluate(snapshot, DEFAULT_THRESHOLDS);
  assert.deepEqual(verdict.reasons.map((r) => [r.signal, r.value, r.unit]), [['dirty', 3, 'tasks']]);
  assert.match(verdict.reasons[0]?.message ?? '', /3 writers throttled in balance_dirty_pages/);
  const { maxDirty: _off, ...withoutDirty } = DEFAULT_THRESHOLDS;
  assert.equal(evaluate(snapshot, withoutDirty).healthy, true);
});
