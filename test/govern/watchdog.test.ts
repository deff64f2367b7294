import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { normalizeGovern } from '../../src/govern/govern-options.ts';
import { Governor } from '../../src/govern/governor.ts';
import { findCgroupMounts } from '../../src/govern/job-cgroup.ts';
import type { Lever } from '../../src/govern/lever.ts';
import { DEFAULT_ROOTS } from '../../src/proc/roots.ts';
import { until } from '../helpers/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'ioguard-watchdog-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const isRoot = process.getuid?.() === 0;
const mounts = findCgroupMounts(DEFAULT_ROOTS);
const WORKER = new URL('./helpers/watchdog-wrapper.ts', import.meta.url).pathname;
const MAX_PAUSE_MS = 500;
/** The watchdog undoes the pause ceil(max pause + 2 s) after it; allow its shell a little more. */
const DEADLINE_MS = Math.ceil((MAX_PAUSE_MS + 2000) / 1000) * 1000 + 1500;
const state = (pid: number): string | undefined => {
  try {
    return /\) (\S)/.exec(readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1];
  } catch {
    return undefined;
  }
};

/** Start the wrapper, wait until it paused its job, SIGKILL it; the job and its cgroup are the test's to clean. */
async function pauseAndKillWrapper(lever: string, shell: string): Promise<{ pid: number; cgPath?: string; before?: string; stderr: string }> {
  const stderr = join(dir, `${lever}-${shell.replaceAll('/', '_')}.stderr`);
  writeFileSync(stderr, '');
  const w = spawn(process.execPath, ['--import', 'tsx', WORKER, lever, shell, String(MAX_PAUSE_MS), stderr], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: w.stdout }).once('line', resolve);
    w.once('exit', (code) => reject(new Error(`the wrapper exited ${code} before pausing`)));
  });
  const info = JSON.parse(line) as { pid: number; paused: boolean; cgPath?: string; procRoot: string; before?: string };
  assert.ok(info.paused, 'the wrapper paused its job');
  w.kill('SIGKILL');
  after(async () => {
    try {
      process.kill(-info.pid, 'SIGKILL');
    } catch {}
    rmSync(info.procRoot, { recursive: true, force: true });
    if (info.cgPath !== undefined) {
      for (let i = 0; i < 50 && existsSync(info.cgPath); i++) {
        if (spawnSync('rmdir', [info.cgPath]).status === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  return { ...info, stderr };
}

for (const shell of ['/bin/dash', '/bin/bash']) {
  describe(`the watchdog under ${shell}, the wrapper SIGKILLed mid-pause`, () => {
    it('resumes a SIGSTOPped job within max-pause + 2 s, and says nothing on stderr', { timeout: 30_000 }, async () => {
      const r = await pauseAndKillWrapper('stop', shell);
      assert.equal(state(r.pid), 'T', 'stopped while the wrapper was alive');
      await until(() => state(r.pid) !== 'T', DEADLINE_MS, 'the job left state T');
      assert.equal(readFileSync(r.stderr, 'utf8'), '');
    });

    it('thaws a frozen job within max-pause + 2 s, and says nothing on stderr', { timeout: 30_000, skip: (!isRoot && 'needs root: the job gets its own cgroup') || (!mounts.v1.has('freezer') && 'no cgroup v1 freezer here') }, async () => {
      const r = await pauseAndKillWrapper('freeze', shell);
      const cg = r.cgPath as string;
      assert.equal(readFileSync(join(cg, 'freezer.state'), 'utf8').trim() === 'THAWED', false, 'frozen while the wrapper was alive');
      await until(() => readFileSync(join(cg, 'freezer.state'), 'utf8').trim() === 'THAWED', DEADLINE_MS, 'THAWED');
      assert.notEqual(state(r.pid), 'T');
      assert.equal(readFileSync(r.stderr, 'utf8'), '');
    });

    it('lifts a throttle within max-pause + 2 s, and says nothing on stderr', { timeout: 30_000, skip: (!isRoot && 'needs root: the job gets its own cgroup') || (!mounts.v1.has('blkio') && 'no cgroup v1 blkio here') }, async () => {
      const r = await pauseAndKillWrapper('throttle', shell);
      const rules = () => ['write_bps', 'write_iops', 'read_bps', 'read_iops'].map((f) => readFileSync(join(r.cgPath as string, `blkio.throttle.${f}_device`), 'utf8')).join('|');
      assert.notEqual(rules(), r.before, 'throttled while the wrapper was alive');
      await until(() => rules() === r.before, DEADLINE_MS, 'the rules the job came with');
      assert.equal(readFileSync(r.stderr, 'utf8'), '');
    });
  });
}

describe('the watchdog\'s errors', () => {
  it('what its undo script prints on stderr reaches the file it was given, not /dev/null', { timeout: 30_000 }, async () => {
    const procRoot = mkdtempSync(join(tmpdir(), 'ioguard-proc-'));
    const out = join(dir, 'said.stderr');
    writeFileSync(out, '');
    const fd = openSync(out, 'a');
    try {
      mkdirSync(join(procRoot, 'pressure'));
      writeFileSync(join(procRoot, 'pressure', 'io'), 'some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n');
      writeFileSync(join(procRoot, 'vmstat'), 'nr_dirty 1000\nnr_writeback 0\nnr_dirty_threshold 1000\nnr_dirty_background_threshold 500\n');
      // A lever whose undo fails loudly, as a refused kill or an unwritable cgroup file would.
      const lever: Lever = { kind: 'stop', pause: () => true, resume: () => {}, undo: () => ({ script: 'echo "cannot undo $1" >&2; exit 1', args: ['group 42'] }), describe: () => 'test', release: async () => {} };
      let t = 0;
      const o = normalizeGovern({ enabled: true, sustainMs: 0, minRunMs: 0, intervalMs: 500, maxPauseMs: 100 }, true);
      const g = new Governor({ pgid: process.pid, lever, o, roots: { procRoot, sysRoot: '/sys' }, now: () => t, onPause: () => {}, onResume: () => {}, watchdogShell: '/bin/dash', watchdogStderr: fd });
      g.start();
      t = 1000;
      g.tick();
      assert.equal(g.pauses, 1);
      await until(() => readFileSync(out, 'utf8').includes('cannot undo group 42'), 6000, 'the watchdog\'s error in its stderr file');
    } finally {
      closeSync(fd);
      rmSync(procRoot, { recursive: true, force: true });
    }
  });
});
