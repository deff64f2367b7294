import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { FreezeLever, ThrottleLever, THROTTLE_LIMITS } from '../../src/govern/cgroup-levers.ts';
import { normalizeGovern } from '../../src/govern/govern-options.ts';
import { Governor } from '../../src/govern/governor.ts';
import { JobCgroup, findCgroupMounts } from '../../src/govern/job-cgroup.ts';
import { openLever } from '../../src/govern/open-lever.ts';
import { StopLever } from '../../src/govern/stop-lever.ts';
import { DEFAULT_ROOTS } from '../../src/proc/roots.ts';
import { resolvePathDevices } from '../../src/proc/path-devices.ts';
import { runCommand } from '../../src/run/run-command.ts';
import { runIoguard, sandbox, sleep, until } from '../helpers/cli.ts';
import { diskMajMinOf, exclusiveLoad, privateScratch, removeScratch, withThrottledWriter } from '../probe/helpers/load.ts';

const b = sandbox();
after(() => b.cleanup());
const isRoot = process.getuid?.() === 0;
const mounts = findCgroupMounts(DEFAULT_ROOTS);
const FREEZER = mounts.v1.get('freezer');
const BLKIO = mounts.v1.get('blkio');
const V2 = mounts.v2;
const root = { skip: !isRoot && 'needs root: the job gets its own cgroup' };
const v1Freezer = { skip: (!isRoot && 'needs root: the job gets its own cgroup') || (FREEZER === undefined && 'no cgroup v1 freezer hierarchy here') };
const v1Blkio = { skip: (!isRoot && 'needs root: the job gets its own cgroup') || (BLKIO === undefined && 'no cgroup v1 blkio hierarchy here') };
const v2Freeze = { skip: (!isRoot && 'needs root: the job gets its own cgroup') || (V2 === undefined && 'no cgroup v2 mount here') };

const counter = (file: string, n: number): string[] => ['sh', '-c', `i=1; while [ $i -le ${n} ]; do echo $i >> "$0"; i=$((i+1)); sleep 0.25; done`, file];
const expected = (n: number): string => Array.from({ length: n }, (_, i) => `${i + 1}\n`).join('');
const GOVERN = { enabled: true, boundBacklog: 'off' as const, maxIoPressure: 30, resumeBelow: 15, sustainMs: 1000, minRunMs: 1000, intervalMs: 500 };
const base = (name: string) => ({ name, lockDir: b.lockDir, logFile: b.logFile, gate: { enabled: false } });
const eventsOf = (job: string, event: string) => b.events().filter((e) => e.job === job && e.event === event);
/** Every per-run cgroup ioguard made for a job of this name, in any hierarchy. */
const cgroupsOf = (name: string): string[] =>
  [FREEZER, BLKIO, V2].filter((m): m is string => m !== undefined).flatMap((m) => {
    const parent = join(m, 'ioguard');
    return existsSync(parent) ? readdirSync(parent).filter((d) => d.startsWith(`${name}-`)).map((d) => join(parent, d)) : [];
  });
const pidState = (pid: number): string | undefined => /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
/** The tasks of a cgroup with their state and wchan (gone ones left out). */
const jobTasks = (cg: string): Array<{ pid: number; state: string; wchan: string }> =>
  readFileSync(join(cg, 'tasks'), 'utf8').split('\n').filter(Boolean).flatMap((t) => {
    try {
      return [{ pid: Number(t), state: pidState(Number(t)) ?? '?', wchan: readFileSync(`/proc/${t}/wchan`, 'utf8') }];
    } catch {
      return [];
    }
  });

const withWriter = <T>(fn: (stopLoad: () => Promise<void>) => Promise<T>): Promise<T> => withThrottledWriter('levers.bin', fn);

/** A sleeping process in its own group, for levers used directly. */
function sleeper(): ChildProcess & { pid: number } {
  const child = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  after(() => {
    try {
      process.kill(-(child.pid as number), 'SIGKILL');
    } catch {}
  });
  return child as ChildProcess & { pid: number };
}

describe('the freeze lever', () => {
  it('freezes a job under real pressure in its own v1 freezer cgroup and thaws it; the job exits 0 with its output intact and the cgroup is gone', { ...v1Freezer, timeout: 120_000 }, async () => {
    const out = join(b.dir, 'frozen.out');
    await withWriter(async (stopLoad) => {
      const run = runCommand(counter(out, 40), { ...base('frozen'), govern: { ...GOVERN, lever: 'freeze', maxPauseMs: 60_000 } });
      try {
        await until(() => eventsOf('frozen', 'paused').length > 0, 30_000, 'a pause');
        const [cg] = cgroupsOf('frozen');
        assert.ok(cg, 'the job has its own cgroup while it runs');
        const seen: string[] = [];
        await until(() => {
          const state = readFileSync(join(cg, 'freezer.state'), 'utf8').trim();
          const tasks = jobTasks(cg);
          seen.push(`${state}: ${tasks.map((t) => `${t.pid} ${t.state} ${t.wchan}`).join(', ')}`);
          // FREEZING with every task still is frozen too: the freezer caught a vfork child before
          // its exec, and its parent waits for it in D (kernel_clone), never frozen itself.
          return state === 'FROZEN' || (state === 'FREEZING' && tasks.length > 0 && tasks.every((t) => t.state === 'D' && /refrigerator|kernel_clone|vfork/.test(t.wchan)));
        }, 5000, 'FROZEN').catch((e: Error) => {
          throw new Error(`${e.message}; seen: ${[...new Set(seen)].slice(-4).join(' | ')}`);
        });
        const pid = Number(readFileSync(join(cg, 'cgroup.procs'), 'utf8').trim().split('\n')[0]);
        assert.notEqual(pidState(pid), 'T', 'frozen, not stopped by a signal');
        const paused = eventsOf('frozen', 'paused')[0];
        assert.equal(paused?.lever, 'freeze');
        assert.match(String(paused?.msg), /freezer\.state FROZEN in /);
        const rows = JSON.parse((await runIoguard(['status', '--json'], { env: b.env })).stdout) as Array<Record<string, any>>;
        assert.match(String(rows.find((r) => r.name === 'frozen')?.note), /^paused for pressure: io some \d+%.*\(freeze\)$/);
        const linesWhilePaused = readFileSync(out, 'utf8');
        await stopLoad();
        const r = await run;
        assert.equal(r.exitCode, 0);
        assert.equal(readFileSync(out, 'utf8'), expected(40));
        assert.ok(linesWhilePaused.length < expected(40).length, 'it was paused before it finished');
        assert.ok(eventsOf('frozen', 'resumed').some((e) => e.reason === 'pressure-fell'));
        assert.deepEqual(cgroupsOf('frozen'), []);
      } finally {
        // A failed check must not leave the job frozen for the next test (a frozen task shows D).
        await stopLoad();
        await run.catch(() => undefined);
      }
    });
  });

  it('a job its governor holds frozen past --stuck-after is paused, not stuck: status says so, the next start skips (75), the run logs no stuck', { ...v1Freezer, timeout: 120_000 }, async () => {
    const out = join(b.dir, 'frozen-long.out');
    await withWriter(async (stopLoad) => {
      const run = runCommand(counter(out, 40), { ...base('frozen-long'), stuckAfterMs: 1000, govern: { ...GOVERN, lever: 'freeze', maxPauseMs: 60_000 } });
      try {
        await until(() => eventsOf('frozen-long', 'paused').length > 0, 30_000, 'a pause');
        const [cg] = cgroupsOf('frozen-long');
        assert.ok(cg, 'the job has its own cgroup while it runs');
        await sleep(2500);
        assert.equal(eventsOf('frozen-long', 'resumed').length, 0, 'still paused (precondition)');
        const tasks = jobTasks(cg);
        assert.ok(tasks.length > 0 && tasks.every((t) => t.state === 'D'), `every task of the frozen job shows D, unchanged for over 1 s (precondition): ${JSON.stringify(tasks)}`);
        const rows = JSON.parse((await runIoguard(['status', '--json', '--stuck-after', '1s'], { env: b.env })).stdout) as Array<Record<string, any>>;
        const row = rows.find((r) => r.name === 'frozen-long');
        assert.equal(row?.state, 'paused', 'paused, not stuck');
        assert.match(String(row?.note), /^paused for pressure/);
        const next = await runIoguard(['run', '--no-gate', '--name', 'frozen-long', '--stuck-after', '1s', '--', 'true'], { env: b.env });
        assert.equal(next.code, 75, next.stderr);
        assert.equal(eventsOf('frozen-long', 'stuck').length, 0, 'its own supervisor did not call it stuck');
      } finally {
        await stopLoad();
        await run.catch(() => undefined);
      }
      assert.equal((await run).exitCode, 0);
      assert.equal(readFileSync(out, 'utf8'), expected(40));
    });
  });

  it('a timeout during a freeze thaws the job first, so its TERM handler runs (no SIGKILL needed); the cgroup is removed', { ...v1Freezer, timeout: 120_000 }, async () => {
    const out = join(b.dir, 'frozen-timeout.out');
    await withWriter(async () => {
      const job = ['sh', '-c', 'trap "echo term >> \\"$0\\"; exit 3" TERM; while :; do sleep 0.2; done', out];
      const r = await runCommand(job, { ...base('frozen-term'), timeoutMs: 10_000, killAfterMs: 30_000, govern: { ...GOVERN, lever: 'freeze', maxPauseMs: 60_000 } });
      assert.ok(eventsOf('frozen-term', 'paused').length > 0, 'it was frozen when the deadline came');
      assert.equal(r.timedOut, true);
      assert.equal(r.isForcefullyTerminated, false, 'TERM was enough: the frozen cgroup was thawed');
      assert.equal(readFileSync(out, 'utf8'), 'term\n');
      assert.deepEqual(cgroupsOf('frozen-term'), []);
    });
  });

  it('removes the job\'s cgroup after a timeout kill', { ...v1Freezer, timeout: 60_000 }, async () => {
    const job = ['sh', '-c', 'sleep 30 & wait'];
    const run = runCommand(job, { ...base('frozen-timeout'), timeoutMs: 1500, killAfterMs: 1000, govern: { ...GOVERN, lever: 'freeze' } });
    await until(() => cgroupsOf('frozen-timeout').length > 0, 5000, 'the job\'s cgroup');
    const r = await run;
    assert.equal(r.timedOut, true);
    assert.deepEqual(cgroupsOf('frozen-timeout'), []);
  });

  it('freezes and thaws with cgroup v2 cgroup.freeze where the job\'s cgroup is on v2', { ...v2Freeze, timeout: 30_000 }, async () => {
    const child = sleeper();
    const cg = JobCgroup.create(V2 as string, 'v2-freeze', child.pid);
    const lever = new FreezeLever(cg, 2);
    try {
      assert.ok(lever.pause());
      await until(() => /frozen 1/.test(cg.read('cgroup.events') ?? ''), 5000, 'frozen 1');
      lever.resume();
      await until(() => /frozen 0/.test(cg.read('cgroup.events') ?? ''), 5000, 'frozen 0');
    } finally {
      await lever.release();
    }
    assert.equal(existsSync(cg.path), false);
  });
});

describe('the throttle lever', () => {
  it('writes the v1 blkio limits for the job\'s devices while paused and clears them on resume; the cgroup is removed', { ...v1Blkio, timeout: 30_000 }, async () => {
    const child = sleeper();
    const disk = resolvePathDevices('/var/tmp', DEFAULT_ROOTS).disks.at(-1) as string;
    const { lever } = openLever({ choice: 'throttle', pgid: child.pid, name: 'throttled', devices: [disk], roots: DEFAULT_ROOTS });
    assert.equal(lever.kind, 'throttle');
    const cg = (lever as ThrottleLever).cg;
    const rule = (file: string) => readFileSync(join(cg.path, `blkio.throttle.${file}`), 'utf8');
    try {
      assert.ok(readFileSync(join(cg.path, 'cgroup.procs'), 'utf8').includes(String(child.pid)), 'the job is in the cgroup');
      const majMin = (lever as ThrottleLever).devices[0] as string;
      assert.equal(rule('write_bps_device').trim(), '');
      assert.ok(lever.pause());
      assert.equal(rule('write_bps_device').trim(), `${majMin} ${THROTTLE_LIMITS.bps}`);
      assert.equal(rule('read_iops_device').trim(), `${majMin} ${THROTTLE_LIMITS.iops}`);
      lever.resume();
      assert.equal(rule('write_bps_device').trim(), '');
      assert.equal(rule('read_iops_device').trim(), '');
    } finally {
      await lever.release();
    }
    assert.equal(existsSync(cg.path), false);
  });

  it('keeps the rules the job came with (v1 is flat): a pause never loosens them, a resume restores them', { ...v1Blkio, timeout: 30_000 }, async () => {
    const child = sleeper();
    const parent = join(BLKIO as string, `ioguard-test-${process.pid}`);
    mkdirSync(parent);
    const majMin = diskMajMinOf('/var/tmp');
    const cg = JobCgroup.create(parent, 'inherits', child.pid);
    const lever = new ThrottleLever(cg, 1, [majMin], { 'blkio.throttle.write_bps_device': { [majMin]: 512 * 1024 }, 'blkio.throttle.write_iops_device': { [majMin]: 1000 } });
    const rule = (file: string) => readFileSync(join(cg.path, `blkio.throttle.${file}`), 'utf8').trim();
    try {
      assert.equal(rule('write_bps_device'), `${majMin} ${512 * 1024}`, 'copied at creation');
      lever.pause();
      assert.equal(rule('write_bps_device'), `${majMin} ${512 * 1024}`, 'tighter than the trickle: kept');
      assert.equal(rule('write_iops_device'), `${majMin} ${THROTTLE_LIMITS.iops}`);
      lever.resume();
      assert.equal(rule('write_iops_device'), `${majMin} 1000`);
    } finally {
      await lever.release();
      // release() moved the still-running job back to where it came from: take it out to remove the test's parent.
      writeFileSync(join(BLKIO as string, 'cgroup.procs'), String(child.pid));
      spawnSync('rmdir', [parent]);
    }
    assert.equal(existsSync(cg.path), false);
    assert.equal(existsSync(parent), false);
  });
});

describe('choosing a lever', () => {
  it('falls back to SIGSTOP with the reason when the controller is missing', root, () => {
    const child = sleeper();
    const none = { v1: new Map<string, string>(), v2: undefined };
    const freeze = openLever({ choice: 'freeze', pgid: child.pid, name: 'nofreezer', roots: DEFAULT_ROOTS, mounts: none });
    assert.equal(freeze.lever.kind, 'stop');
    assert.match(String(freeze.fallback), /no cgroup freezer.*pausing with SIGSTOP/);
    const throttle = openLever({ choice: 'throttle', pgid: child.pid, name: 'noblkio', roots: DEFAULT_ROOTS, mounts: none });
    assert.equal(throttle.lever.kind, 'stop');
    assert.match(String(throttle.fallback), /no block I\/O controller/);
    const auto = openLever({ choice: 'auto', pgid: child.pid, name: 'noauto', roots: DEFAULT_ROOTS, mounts: none });
    assert.equal(auto.lever.kind, 'stop');
    assert.match(String(auto.fallback), /^freeze: no cgroup freezer.*pausing with SIGSTOP$/, 'auto says why it uses SIGSTOP too');
    // A v2 mount that offers no io controller (this machine's) is no io.max either.
    if (V2 !== undefined && !readFileSync(join(V2, 'cgroup.controllers'), 'utf8').includes('io')) {
      const v2only = openLever({ choice: 'throttle', pgid: child.pid, name: 'noio', roots: DEFAULT_ROOTS, mounts: { v1: new Map(), v2: V2 } });
      assert.match(String(v2only.fallback), /offers no io controller/);
    }
  });

  it('falls back to SIGSTOP with the reason when not root', { skip: !isRoot && 'needs root to run the check as another user' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'ioguard-lever-'));
    try {
      const script = join(dir, 'check.ts');
      writeFileSync(script, `import { openLever } from ${JSON.stringify(new URL('../../src/govern/open-lever.ts', import.meta.url).pathname)};\nimport { DEFAULT_ROOTS } from ${JSON.stringify(new URL('../../src/proc/roots.ts', import.meta.url).pathname)};\nconst o = openLever({ choice: 'freeze', pgid: process.pid, name: 'x', roots: DEFAULT_ROOTS });\nconsole.log(JSON.stringify({ kind: o.lever.kind, fallback: o.fallback }));\n`);
      spawnSync('chmod', ['-R', 'a+rX', dir]);
      const r = spawnSync(process.execPath, ['--import', 'tsx', script], { uid: 65534, gid: 65534, encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname, env: { ...process.env, HOME: dir } });
      const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { kind?: string; fallback?: string };
      assert.equal(out.kind, 'stop', r.stderr);
      assert.match(String(out.fallback), /not root: the freeze lever needs .* pausing with SIGSTOP/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--no-govern never creates a cgroup; --govern-lever freeze does (control)', { ...v1Freezer, timeout: 30_000 }, async () => {
    const show = ['sh', '-c', 'grep -E ":(freezer|blkio):" /proc/self/cgroup'];
    const off = await runIoguard(['run', '--name', 'ungoverned-cg', '--no-gate', '--no-govern', '--', ...show], { env: b.env });
    assert.equal(off.code, 0);
    assert.doesNotMatch(off.stdout, /ioguard/);
    const on = await runIoguard(['run', '--name', 'governed-cg', '--no-gate', '--govern', '--govern-lever', 'freeze', '--', ...show], { env: b.env });
    assert.match(on.stdout, /freezer:.*\/ioguard\/governed-cg-\d+/);
    assert.deepEqual(cgroupsOf('governed-cg'), []);
    assert.ok(eventsOf('governed-cg', 'govern-lever').length === 1);
    assert.equal(eventsOf('ungoverned-cg', 'govern-lever').length, 0);
  });

  it('the lever option is checked', () => {
    assert.equal(normalizeGovern({}, true).lever, 'auto');
    assert.throws(() => normalizeGovern({ lever: 'sigstop' as never }, true), /govern\.lever/);
  });
});

describe('the governor\'s own rules', () => {
  it('a lone job (no other process waiting on I/O) is never paused, however much it stalls itself', { ...root, timeout: 60_000 }, async () => {
    const cgroup = join(BLKIO ?? '/sys/fs/cgroup/blkio', `ioguard-test-lone-${process.pid}`);
    const majMin = diskMajMinOf('/var/tmp');
    const file = privateScratch('lone.bin');
    await exclusiveLoad(async () => {
      mkdirSync(cgroup);
      try {
        writeFileSync(join(cgroup, 'blkio.throttle.write_iops_device'), `${majMin} 10`);
        // The job itself is the throttled direct-I/O writer: io some climbs from its own waits only.
        const job = ['sh', '-c', 'echo $$ > "$0/cgroup.procs" && exec dd if=/dev/zero of="$1" bs=4k count=80 oflag=direct status=none', cgroup, file];
        const ioSome = () => Number(/^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/io', 'utf8'))?.[1]);
        const [us0, t0] = [ioSome(), Date.now()];
        const r = await runCommand(job, { ...base('lone'), govern: { ...GOVERN, lever: 'stop' } });
        const stall = ((ioSome() - us0) / ((Date.now() - t0) * 1000)) * 100;
        assert.equal(r.exitCode, 0);
        assert.ok((r.durationMs ?? 0) > 4000, 'it stalled long enough for the governor to look many times');
        assert.ok(stall > GOVERN.maxIoPressure, `io some ${stall.toFixed(0)}% over the run: above the governor's limit, so only the "others waiting" rule held it`);
        assert.equal(eventsOf('lone', 'paused').length, 0);
      } finally {
        try {
          writeFileSync(join(cgroup, 'blkio.throttle.write_iops_device'), `${majMin} 0`);
        } catch {}
        removeScratch(file);
        spawnSync('rmdir', [cgroup]);
      }
    });
  });

  it('does not pause when its watchdog cannot start (and does with one)', { ...root, timeout: 30_000 }, async () => {
    const procRoot = mkdtempSync(join(tmpdir(), 'ioguard-proc-'));
    const child = sleeper();
    try {
      mkdirSync(join(procRoot, 'pressure'));
      const psi = (totalUs: number) => writeFileSync(join(procRoot, 'pressure', 'io'), `some avg10=0.00 avg60=0.00 avg300=0.00 total=${totalUs}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n`);
      // Dirty pages at the throttle point pause the job without anyone else waiting.
      writeFileSync(join(procRoot, 'vmstat'), 'nr_dirty 1000\nnr_writeback 0\nnr_dirty_threshold 1000\nnr_dirty_background_threshold 500\n');
      const drive = (watchdogShell: string) => {
        let t = 0;
        psi(0);
        const g = new Governor({ pgid: child.pid, lever: new StopLever(child.pid), o: normalizeGovern({ ...GOVERN, sustainMs: 0, minRunMs: 0 }, true), roots: { procRoot, sysRoot: '/sys' }, now: () => t, onPause: () => {}, onResume: () => {}, watchdogShell });
        g.start();
        for (let i = 1; i <= 3; i++) {
          t = i * 1000;
          psi(i * 1_000_000);
          g.tick();
        }
        return g;
      };
      const refused = drive(join(procRoot, 'no-such-shell'));
      assert.equal(refused.pauses, 0);
      await new Promise((r) => setTimeout(r, 300));
      assert.notEqual(pidState(child.pid), 'T');
      refused.stop();
      const paused = drive('/bin/sh');
      assert.equal(paused.pauses, 1, 'the same readings pause the job when the watchdog starts');
      await until(() => pidState(child.pid) === 'T', 3000, 'stopped');
      paused.stop();
      await until(() => pidState(child.pid) !== 'T', 3000, 'continued');
    } finally {
      rmSync(procRoot, { recursive: true, force: true });
    }
  });
  it('the watchdog thaws a frozen job by itself when the wrapper never resumes it (wrapper killed mid-pause)', { ...v1Freezer, timeout: 30_000 }, async () => {
    const procRoot = mkdtempSync(join(tmpdir(), 'ioguard-proc-'));
    const child = sleeper();
    const cg = JobCgroup.create(FREEZER as string, 'watchdog-thaw', child.pid);
    const lever = new FreezeLever(cg, 1);
    try {
      mkdirSync(join(procRoot, 'pressure'));
      const psi = (totalUs: number) => writeFileSync(join(procRoot, 'pressure', 'io'), `some avg10=0.00 avg60=0.00 avg300=0.00 total=${totalUs}\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n`);
      writeFileSync(join(procRoot, 'vmstat'), 'nr_dirty 1000\nnr_writeback 0\nnr_dirty_threshold 1000\nnr_dirty_background_threshold 500\n');
      let t = 0;
      psi(0);
      // maxPause 0.5 s: the watchdog undoes the pause ceil(0.5 + 2) = 3 s after it.
      const g = new Governor({ pgid: child.pid, lever, o: normalizeGovern({ ...GOVERN, sustainMs: 0, minRunMs: 0, maxPauseMs: 500 }, true), roots: { procRoot, sysRoot: '/sys' }, now: () => t, onPause: () => {}, onResume: () => {} });
      g.start();
      t = 1000;
      psi(1_000_000);
      g.tick();
      assert.equal(g.pauses, 1);
      assert.equal(cg.read('freezer.state')?.trim() === 'THAWED', false, 'frozen');
      // No more ticks and no stop(): as if the wrapper had been SIGKILLed.
      await until(() => cg.read('freezer.state')?.trim() === 'THAWED', 8000, 'thawed by the watchdog');
    } finally {
      await lever.release();
      rmSync(procRoot, { recursive: true, force: true });
    }
    assert.equal(existsSync(cg.path), false);
  });
});
