import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as delay } from 'node:timers/promises';
import { resolvePathDevices } from '../../../src/proc/path-devices.ts';
import { DEFAULT_ROOTS } from '../../../src/proc/roots.ts';

export const BLKIO = '/sys/fs/cgroup/blkio';

/** major:minor of the whole disk under a path (blkio throttle rules take whole disks only). */
export function diskMajMinOf(path: string): string {
  const disks = resolvePathDevices(path, DEFAULT_ROOTS).disks;
  const disk = disks[disks.length - 1];
  if (disk === undefined) throw new Error(`${path} is on no block device`);
  return readFileSync(`/sys/block/${disk.replaceAll('/', '!')}/dev`, 'utf8').trim();
}

/**
 * A path for a load file on the real disk, in a folder of its own made for this test (0700 by
 * mkdtemp): never a predictable name in the shared /var/tmp, which a local user could turn into a
 * symlink for root's dd to write through. Removed with the file by `removeScratch`.
 */
export function privateScratch(name: string): string {
  return join(mkdtempSync('/var/tmp/ioguard-load-'), name);
}

/** Remove a `privateScratch` file and its folder (only such a folder: never /var/tmp itself). */
export function removeScratch(file: string): void {
  rmSync(file, { force: true });
  if (basename(dirname(file)).startsWith('ioguard-load-')) rmSync(dirname(file), { recursive: true, force: true });
}

/** Start `dd` writing zeros to `file` with the given oflag (e.g. direct,dsync), 4 KiB blocks. */
export function startWriter(file: string, oflag: string, extra: string[] = []): ChildProcess {
  return spawn('dd', ['if=/dev/zero', `of=${file}`, 'bs=4k', 'count=250000', `oflag=${oflag}`, ...extra], { stdio: 'ignore' });
}

/** SIGKILL a child and wait until it is gone (a D-state dd needs a moment). */
export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await Promise.race([exited, delay(5000)]);
}

/** A blkio cgroup limiting write IOPS on one disk, and a direct-I/O dd inside it. */
export async function startThrottledWriter(file: string, majMin: string, iops: number): Promise<{ child: ChildProcess; cleanup: () => Promise<void> }> {
  const cgroup = `${BLKIO}/ioguard-test-${process.pid}-${Date.now()}`;
  const { mkdirSync } = await import('node:fs');
  mkdirSync(cgroup);
  writeFileSync(`${cgroup}/blkio.throttle.write_iops_device`, `${majMin} ${iops}`);
  // The shell joins the cgroup, then becomes dd: no window in which dd runs unthrottled.
  const child = spawn('sh', ['-c', 'echo $$ > "$1/cgroup.procs" && exec dd if=/dev/zero of="$2" bs=4k count=100000 oflag=direct', 'sh', cgroup, file], { stdio: 'ignore' });
  const cleanup = async (): Promise<void> => {
    // Lift the limit first so the killed dd's queued I/O drains at once.
    try {
      writeFileSync(`${cgroup}/blkio.throttle.write_iops_device`, `${majMin} 0`);
    } catch {}
    await stop(child);
    for (let i = 0; i < 50 && existsSync(cgroup); i++) {
      try {
        rmdirSync(cgroup);
      } catch {
        await delay(100);
      }
    }
    removeScratch(file);
  };
  return { child, cleanup };
}

// In the checkout (node_modules is there for every test run), not in the shared /tmp, where any
// user could create it first, or plant a pid that makes every load test wait.
const LOAD_LOCK = fileURLToPath(new URL('../../../node_modules/.ioguard-test-load.lock', import.meta.url));

/**
 * Run a test that loads the disk alone: test files run two at a time, and one file's writer
 * would move another file's util% or PSI figures. A lock folder holds the owner's pid, so a
 * crashed run's lock is taken over.
 */
export async function exclusiveLoad<T>(fn: () => Promise<T>): Promise<T> {
  const { mkdirSync, readFileSync: read } = await import('node:fs');
  for (let i = 0; ; i++) {
    try {
      mkdirSync(LOAD_LOCK);
      writeFileSync(`${LOAD_LOCK}/pid`, String(process.pid));
      break;
    } catch {
      let owner = 0;
      try {
        owner = Number(read(`${LOAD_LOCK}/pid`, 'utf8'));
      } catch {}
      let alive = owner > 0;
      try {
        if (alive) process.kill(owner, 0);
      } catch {
        alive = false;
      }
      if (!alive && i > 5) rmSync(LOAD_LOCK, { recursive: true, force: true });
      if (i > 600) throw new Error(`${LOAD_LOCK} held by pid ${owner} for a minute`);
      await delay(100);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(LOAD_LOCK, { recursive: true, force: true });
  }
}

/**
 * Run `fn` alone on the disk (`exclusiveLoad`) while a throttled direct-I/O writer (10 write IOPS
 * on the disk under /var/tmp) raises io pressure; `fn` may stop the load early, it stops after.
 */
export async function withThrottledWriter<T>(name: string, fn: (stopLoad: () => Promise<void>) => Promise<T>): Promise<T> {
  return exclusiveLoad(async () => {
    const load = await startThrottledWriter(privateScratch(name), diskMajMinOf('/var/tmp'), 10);
    try {
      return await fn(load.cleanup);
    } finally {
      await load.cleanup();
    }
  });
}
