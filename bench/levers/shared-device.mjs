// The slow, shared device for bench:levers: two loop devices stacked, so the slowness holds for
// every process whatever its blkio cgroup.
//
// Why not the one loop of bench:incident (a root blkio rule on it): cgroup v1 blk-throttle is flat
// (measured here: a job moved into its own blkio cgroup wrote 48 MiB in 0.3 s past a root rule of
// 8 MiB/s), so the throttle lever's own cgroup would escape the emulated slowness and look best
// for the wrong reason. Here the rule sits on the LOWER loop device, and the only writer of the
// lower device is the flusher (root cgroup, v1 has no writeback attribution): the upper loop
// device (`--direct-io=off`) writes its backing file through the page cache. Everyone, in any
// cgroup, shares the lower device's rate. A FLUSH/FUA on the upper device (the commit probe's
// O_DSYNC, the job's fsync) makes the loop driver fsync its backing file: like a disk with a
// volatile write cache, a commit waits for the data queued before it (at most the dirty allowance).
//
//   job, probes ──► ext4 on UPPER loop (direct-io off; blkio lever rules act here)
//                    └─► backing file on ext4 on LOWER loop (root rule: N MiB/s, dirty allowance)
//                         └─► sparse file in /var/tmp (direct-io on)
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { run } from '../incident/exec.mjs';

const BLKIO_ROOT = '/sys/fs/cgroup/blkio';

async function sparse(path, bytes) {
  const h = await open(path, 'wx');
  await h.truncate(bytes);
  await h.close();
}

async function loop(image, directIo, cleanup) {
  const device = (await run('losetup', [`--direct-io=${directIo ? 'on' : 'off'}`, '--find', '--show', image])).trim();
  cleanup.add(`detach ${device}`, () => run('losetup', ['-d', device]), `losetup -d ${device}`);
  const backing = (await run('losetup', ['--list', '--noheadings', '--output', 'BACK-FILE', device])).trim();
  if (backing !== image) throw new Error(`${device} is backed by ${backing}, expected ${image}`);
  const majMin = (await readFile(`/sys/block/${basename(device)}/dev`, 'utf8')).trim();
  return { device, majMin };
}

async function mountFresh(device, mountPoint, cleanup) {
  await mkdir(mountPoint, { recursive: true });
  await run('mkfs.ext4', ['-q', '-F', '-E', 'lazy_itable_init=0,lazy_journal_init=0', device]);
  await run('mount', ['-t', 'ext4', device, mountPoint]);
  cleanup.add(`unmount ${mountPoint}`, async () => {
    try {
      await run('umount', [mountPoint]);
    } catch {
      await run('umount', ['-l', mountPoint]);
    }
  }, `umount -l ${mountPoint}`);
}

/** Shrink a device's dirty allowance so its writers wait in balance_dirty_pages at its pace. */
async function dirtyAllowance(majMin, bytes, cleanup) {
  const bdi = `/sys/class/bdi/${majMin}`;
  const ratioFile = existsSync(`${bdi}/max_ratio_fine`) ? `${bdi}/max_ratio_fine` : `${bdi}/max_ratio`;
  const savedRatio = (await readFile(ratioFile, 'utf8')).trim();
  const savedStrict = (await readFile(`${bdi}/strict_limit`, 'utf8')).trim();
  cleanup.add(`restore ${bdi}`, async () => {
    await writeFile(ratioFile, savedRatio);
    await writeFile(`${bdi}/strict_limit`, savedStrict);
  }, `echo ${savedRatio} > ${ratioFile}; echo ${savedStrict} > ${bdi}/strict_limit`);
  await writeFile(`${bdi}/strict_limit`, '1');
  await writeFile(`${bdi}/max_bytes`, String(bytes));
}

export async function createSharedSlowDevice({ scratch, cleanup, mbps, writeIops, dirtyBytes }) {
  const lowerImage = join(scratch, 'lower.img');
  await sparse(lowerImage, 3 * 1024 ** 3);
  const lower = await loop(lowerImage, true, cleanup);
  const lowerMount = join(scratch, 'lower');
  await mountFresh(lower.device, lowerMount, cleanup);
  const upperImage = join(lowerMount, 'upper.img');
  await sparse(upperImage, 1024 ** 3);
  const upper = await loop(upperImage, false, cleanup);
  const mountPoint = join(scratch, 'mnt');
  await mountFresh(upper.device, mountPoint, cleanup);
  await run('sync', []);
  for (const [file, value] of [['write_bps_device', mbps * 1024 * 1024], ['write_iops_device', writeIops]]) {
    const path = `${BLKIO_ROOT}/blkio.throttle.${file}`;
    cleanup.add(`lift ${file} on ${lower.majMin}`, () => writeFile(path, `${lower.majMin} 0`), `echo '${lower.majMin} 0' > ${path}`);
    await writeFile(path, `${lower.majMin} ${value}`);
  }
  await dirtyAllowance(lower.majMin, dirtyBytes, cleanup);
  await dirtyAllowance(upper.majMin, dirtyBytes, cleanup);
  return { mountPoint, upper, lower };
}
