// A wrapper that pauses a job with one lever and then waits to be SIGKILLed, so a test can see
// the detached watchdog undo the pause by itself. Args: lever (stop|freeze|throttle), watchdog
// shell, max pause ms, file for the watchdog's stderr. Prints one JSON line once the job is paused.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FreezeLever, ThrottleLever } from '../../../src/govern/cgroup-levers.ts';
import { normalizeGovern } from '../../../src/govern/govern-options.ts';
import { Governor } from '../../../src/govern/governor.ts';
import { JobCgroup, findCgroupMounts } from '../../../src/govern/job-cgroup.ts';
import type { Lever } from '../../../src/govern/lever.ts';
import { openLever } from '../../../src/govern/open-lever.ts';
import { StopLever } from '../../../src/govern/stop-lever.ts';
import { resolvePathDevices } from '../../../src/proc/path-devices.ts';
import { DEFAULT_ROOTS } from '../../../src/proc/roots.ts';

const [kind, shell, maxPause, stderrFile] = process.argv.slice(2) as [string, string, string, string];
const job = spawn('sleep', ['120'], { detached: true, stdio: 'ignore' });
const pid = job.pid as number;
const mounts = findCgroupMounts(DEFAULT_ROOTS);
function lever(): Lever {
  if (kind === 'stop') return new StopLever(pid);
  if (kind === 'freeze') return new FreezeLever(JobCgroup.create(mounts.v1.get('freezer') as string, 'watchdog-killed', pid), 1);
  const disk = resolvePathDevices('/var/tmp', DEFAULT_ROOTS).disks.at(-1) as string;
  return openLever({ choice: 'throttle', pgid: pid, name: 'watchdog-killed', devices: [disk], roots: DEFAULT_ROOTS }).lever;
}
const l = lever();
const procRoot = mkdtempSync(join(tmpdir(), 'ioguard-proc-'));
mkdirSync(join(procRoot, 'pressure'));
const psi = (totalUs: number) => writeFileSync(join(procRoot, 'pressure', 'io'), `some avg10=0.00 avg60=0.00 avg300=0.00 total=${totalUs}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n`);
// Dirty pages at the throttle point pause the job without anyone else waiting.
writeFileSync(join(procRoot, 'vmstat'), 'nr_dirty 1000\nnr_writeback 0\nnr_dirty_threshold 1000\nnr_dirty_background_threshold 500\n');
let t = 0;
psi(0);
const rules = (): string | undefined => (l instanceof ThrottleLever ? ['write_bps', 'write_iops', 'read_bps', 'read_iops'].map((f) => l.cg.read(`blkio.throttle.${f}_device`)).join('|') : undefined);
// What the job came with (v1 copies the wrapper's own rules): the undo must restore exactly this.
const before = rules();
const o = normalizeGovern(
  { enabled: true, maxIoPressure: 30, resumeBelow: 15, sustainMs: 0, minRunMs: 0, intervalMs: 500, maxPauseMs: Number(maxPause) },
  true,
);
const g = new Governor({ pgid: pid, lever: l, o, roots: { procRoot, sysRoot: '/sys' }, now: () => t, onPause: () => {}, onResume: () => {}, watchdogShell: shell, watchdogStderr: openSync(stderrFile, 'a') });
g.start();
t = 1000;
psi(1_000_000);
g.tick();
const cgPath = l instanceof FreezeLever || l instanceof ThrottleLever ? l.cg.path : undefined;
console.log(JSON.stringify({ pid, paused: g.pauses === 1, cgPath, procRoot, before }));
setInterval(() => {}, 60_000);
