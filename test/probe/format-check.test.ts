import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toCheckJson } from '../../src/probe/check-json.ts';
import { evaluate } from '../../src/probe/evaluate.ts';
import { formatCheck } from '../../src/probe/format-check.ts';
import { DEFAULT_THRESHOLDS } from '../../src/probe/thresholds.ts';
import { disk, psiSignal, quietSnapshot } from './helpers/snapshot.ts';

function pressured() {
  const s = quietSnapshot();
  const tasks = [
    { pid: 900, tid: 900, comm: 'rsync', wchan: 'balance_dirty_pages' },
    { pid: 500, tid: 501, comm: 'ib_io_wr', wchan: 'balance_dirty_pages' },
  ];
  return {
    ...s,
    psi: { ...s.psi, io: psiSignal(95, 88) },
    disks: [disk('sdb', 99), disk('sda', 40, true), { ...disk('loop0', 0), readsPerSec: 0, writesPerSec: 0 }],
    dirty: { ...s.dirty!, dirtyPages: 140_000, percentOfThrottle: 93.3 },
    dState: { count: 2, groups: [{ wchan: 'balance_dirty_pages', meaning: 'dirty-page throttling: the writer waits for writeback to catch up', count: 2, tasks }] },
  };
}

test('the text shows pressure, disks with the path device marked, dirty pages, D-state groups, space, load and the verdict', () => {
  const snapshot = pressured();
  const text = formatCheck(snapshot, evaluate(snapshot, DEFAULT_THRESHOLDS));
  assert.match(text, /^Pressure \(stall over the last 1\.0 s\)\n {2}io {6}some {3}95% {2}full {3}88%/);
  assert.match(text, /\n {2}sda\* +40%/);
  assert.match(text, /\n {2}sdb +99%/);
  assert.match(text, /547 MiB dirty \+ 0 B writeback = 93% of the throttle point \(586 MiB\)/);
  assert.match(text, /D state: 2 tasks\n {5}2 {2}balance_dirty_pages: dirty-page throttling/);
  assert.match(text, /rsync \(pid 900\), ib_io_wr \(pid 500, tid 501\)/);
  assert.match(text, /Space on \/srv\/backup\n {2}ext4 \/dev\/sda1 mounted at \/srv; devices: sda1 → sda\n {2}40 GiB free of 100 GiB \(40%\), inodes 90% free/);
  assert.match(text, /Load\n {2}0\.5 0\.4 0\.3 on 2 CPUs = 0\.25 per CPU/);
  assert.match(text, /Verdict: under pressure\n {2}- io pressure: .*\n {2}- dirty pages at 93%/);
});

test('frozen tasks are shown in the census and said not to count against --max-blocked', () => {
  const frozen = { wchan: '__refrigerator', meaning: 'frozen', count: 3, tasks: [{ pid: 700, tid: 700, comm: 'tar', wchan: '__refrigerator' }] };
  const snapshot = { ...pressured(), dState: { count: 5, groups: [frozen, ...pressured().dState.groups] } };
  const text = formatCheck(snapshot, evaluate(snapshot, DEFAULT_THRESHOLDS));
  assert.match(text, /D state: 5 tasks \(3 frozen or in vfork, not waiting on I\/O: not counted against --max-blocked\)\n {5}3 {2}__refrigerator/);
  const json = toCheckJson(snapshot, evaluate(snapshot, DEFAULT_THRESHOLDS)) as { dState: { count: number; waitingOnIo: number } };
  assert.deepEqual([json.dState.count, json.dState.waitingOnIo], [5, 2]);
});

test('the path device is listed first even when another disk is busier, and idle devices are hidden', () => {
  const snapshot = pressured();
  const text = formatCheck(snapshot, evaluate(snapshot, DEFAULT_THRESHOLDS));
  assert.ok(text.indexOf('  sda*') < text.indexOf('  sdb'));
  assert.doesNotMatch(text, /loop0/);
  assert.match(text, /\(1 idle or quieter devices not shown\)/);
});

test('the text names signals missing on this kernel and what was not checked', () => {
  const s = { ...quietSnapshot(), psi: { io: undefined, memory: undefined, cpu: undefined }, missing: ['psi.io', 'psi.memory', 'psi.cpu'] };
  const text = formatCheck(s, evaluate(s, DEFAULT_THRESHOLDS));
  assert.match(text, /io {6}not available/);
  assert.match(text, /Missing on this kernel: psi\.io, psi\.memory, psi\.cpu/);
  assert.match(text, /\? not checked: io pressure \(PSI\) not available on this kernel/);
  assert.match(text, /note: no io pressure \(PSI\) on this kernel: judged by disk util%/);
});

test('the JSON document keeps its documented top-level field names', () => {
  const snapshot = pressured();
  const json = toCheckJson(snapshot, evaluate(snapshot, DEFAULT_THRESHOLDS));
  assert.deepEqual(Object.keys(json), [
    'version', 'healthy', 'reasons', 'checks', 'notCheckedSignals', 'fallback', 'notes', 'windowMs',
    'psi', 'disks', 'path', 'space', 'dirty', 'dState', 'load', 'missing', 'unreadable',
  ]);
  assert.equal(json.healthy, false);
});

test('the JSON document survives a round trip and uses null, never undefined, for absent values', () => {
  const s = { ...quietSnapshot(), psi: { io: undefined, memory: undefined, cpu: undefined }, path: undefined, space: undefined };
  const json = toCheckJson(s, evaluate(s, DEFAULT_THRESHOLDS));
  const back = JSON.parse(JSON.stringify(json));
  assert.deepEqual(back, json);
  assert.deepEqual(back.psi, { io: null, memory: null, cpu: null });
  assert.equal(back.path, null);
  assert.deepEqual(Object.keys((json.disks as Array<Record<string, unknown>>)[0] ?? {}), [
    'name', 'major', 'minor', 'partition', 'utilPercent', 'readsPerSec', 'writesPerSec', 'readKBPerSec', 'writeKBPerSec',
    'awaitMs', 'readAwaitMs', 'writeAwaitMs', 'queueSize', 'inFlightReads', 'inFlightWrites', 'backsPath',
  ]);
});
