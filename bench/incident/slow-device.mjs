// The slow device: a loop device on a sparse file in the scratch folder, ext4 on it, mounted in
// the scratch folder, and slowed down so that one copy of the tree takes several ticks.
//
// How it is slowed, and why (measured on this 2-core VM, kernel 6.18, 24 GB RAM):
// - A cgroup v1 blkio rule `blkio.throttle.write_iops_device` in the ROOT blkio cgroup. In a child
//   cgroup it only holds back the direct I/O of that cgroup's tasks (LINUX.md), because buffered
//   writes are written back later by the flusher, which lives in the root cgroup. A rule in the
//   root cgroup is keyed to this device only and catches every write bio to it: writeback, the
//   jbd2 journal, the probe's fsync. Measured: 30,000 small files took 2 s to "copy" into the page
//   cache and then 113 s to `sync` at 300 write IOPS, so the throttle works but rsync does not feel it.
// - So rsync must wait for the device, as it would on a real slow disk once dirty memory fills.
//   With 24 GB of RAM the global dirty limit is ~4.7 GB, far more than the tree, so the device's
//   own dirty allowance is shrunk instead: /sys/class/bdi/<dev>/strict_limit=1 and max_bytes=4 MiB.
//   Writers to this device then sleep in balance_dirty_pages (state D, as in CASES.md §1 and §3)
//   at the pace writeback drains at the throttled rate. Measured at 1500 IOPS: one rsync ~1150
//   files/s; 12 rsyncs together ~950 files/s in total, all in D with wchan balance_dirty_pages.
// - Rejected: `mount -o sync` made every small file pay a journal commit (~50 files/s alone, so a
//   tree of tens of thousands would take ~10 min), and is not what the incident machine ran;
//   `-o dirsync` likewise (~75 files/s) with erratic 10 s stalls in jbd2_log_wait_for_space.
// - The loop device uses direct I/O on its backing file, so the backing file's page cache on the
//   real disk does not add a second layer of writeback.
// Caveat for the idle-priority arm: blk-throttle holds bios back before they reach the I/O
// scheduler, and buffered data is written by the flusher, not by rsync; so bfq + `ionice idle`
// has little to act on here. The arm measures it anyway, and the report says so.
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { run } from './exec.mjs';

const BLKIO_ROOT = '/sys/fs/cgroup/blkio';
const THROTTLE_FILE = `${BLKIO_ROOT}/blkio.throttle.write_iops_device`;

export function checkPlatform() {
  const problems = [];
  if (!existsSync(THROTTLE_FILE)) problems.push(`${THROTTLE_FILE} is missing (needs the cgroup v1 blkio controller)`);
  if (!existsSync('/proc/pressure/io')) problems.push('/proc/pressure/io is missing (needs a kernel with PSI)');
  return problems;
}

/**
 * @param {{scratch: string, sizeBytes: number, cleanup: ReturnType<typeof import('./cleanup.mjs').createCleanup>}} options
 */
export async function createSlowDevice({ scratch, sizeBytes, cleanup }) {
  const image = join(scratch, 'slow.img');
  const mountPoint = join(scratch, 'mnt');
  await mkdir(mountPoint);
  const handle = await open(image, 'wx');
  await handle.truncate(sizeBytes);
  await handle.close();

  const device = (await run('losetup', ['--direct-io=on', '--find', '--show', image])).trim();
  cleanup.add(`detach ${device}`, () => run('losetup', ['-d', device]), `losetup -d ${device}`);
  // Refuse to format anything that is not backed by our own scratch file.
  const backing = (await run('losetup', ['--list', '--noheadings', '--output', 'BACK-FILE', device])).trim();
  if (backing !== image) throw new Error(`${device} is backed by ${backing}, expected ${image}`);
  const name = basename(device);
  const majMin = (await readFile(`/sys/block/${name}/dev`, 'utf8')).trim();

  let unmountNow;
  let unthrottleNow;

  return {
    device,
    name,
    majMin,
    mountPoint,

    /** Fresh filesystem for each arm, so every arm starts from the same empty disk. */
    async formatAndMount() {
      // Eager inode-table and journal init: no background ext4lazyinit writes during an arm.
      await run('mkfs.ext4', ['-q', '-F', '-i', '8192', '-E', 'lazy_itable_init=0,lazy_journal_init=0', device]);
      await run('mount', ['-t', 'ext4', device, mountPoint]);
      unmountNow = cleanup.add(`unmount ${mountPoint}`, () => unmount(mountPoint), `umount -l ${mountPoint}`);
    },

    async unmount() {
      await unmountNow?.();
      unmountNow = undefined;
    },

    /** Applies the write IOPS limit and the per-device dirty allowance (see the header). */
    async throttle({ writeIops, dirtyBytes }) {
      const bdi = `/sys/class/bdi/${majMin}`;
      const ratioFile = existsSync(`${bdi}/max_ratio_fine`) ? `${bdi}/max_ratio_fine` : `${bdi}/max_ratio`;
      const savedRatio = (await readFile(ratioFile, 'utf8')).trim();
      const savedStrict = (await readFile(`${bdi}/strict_limit`, 'utf8')).trim();
      const savedRule = await currentRule(majMin);
      unthrottleNow = cleanup.add(
        `unthrottle ${device}`,
        async () => {
          await writeFile(THROTTLE_FILE, `${majMin} ${savedRule}`);
          await writeFile(ratioFile, savedRatio);
          await writeFile(`${bdi}/strict_limit`, savedStrict);
        },
        `echo '${majMin} ${savedRule}' > ${THROTTLE_FILE}; echo ${savedRatio} > ${ratioFile}; echo ${savedStrict} > ${bdi}/strict_limit`,
      );
      await writeFile(`${bdi}/strict_limit`, '1');
      await writeFile(`${bdi}/max_bytes`, String(dirtyBytes));
      await writeFile(THROTTLE_FILE, `${majMin} ${writeIops}`);
    },

    /** Lifts the limits (idempotent); lets D-state writers finish or die quickly. */
    async unthrottle() {
      await unthrottleNow?.();
      unthrottleNow = undefined;
    },

    /** Switches the loop device's I/O scheduler; returns a function that restores it. */
    async useScheduler(scheduler) {
      const file = `/sys/block/${name}/queue/scheduler`;
      const text = await readFile(file, 'utf8');
      if (!text.split(/\s+/).some((s) => s.replace(/[[\]]/g, '') === scheduler)) {
        throw new Error(`${file} offers no ${scheduler}: ${text.trim()}`);
      }
      const saved = /\[(\S+)\]/.exec(text)?.[1] ?? 'none';
      const restore = cleanup.add(`restore ${name} scheduler ${saved}`, () => writeFile(file, saved), `echo ${saved} > ${file}`);
      await writeFile(file, scheduler);
      return restore;
    },
  };
}

/** The current write IOPS limit for MAJ:MIN in the root blkio cgroup, 0 when none. */
async function currentRule(majMin) {
  const text = await readFile(THROTTLE_FILE, 'utf8');
  const line = text.split('\n').find((l) => l.startsWith(`${majMin} `));
  return line ? line.split(' ')[1] : '0';
}

async function unmount(mountPoint) {
  try {
    await run('umount', [mountPoint]);
  } catch {
    // Something still holds it (a process stuck in D): detach lazily rather than leave it mounted.
    await run('umount', ['-l', mountPoint]);
  }
}
