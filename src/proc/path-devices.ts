import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { findMount, readMounts } from './mounts.ts';
import { mountOption, type MountEntry } from './parse-mountinfo.ts';
import { readProcFile } from './read-file.ts';
import type { ProcRoots } from './roots.ts';

/** The block devices a path's reads and writes end up on. */
export interface PathDevices {
  path: string;
  /** `major:minor` of stat(path).dev. */
  dev: string;
  fsType: string | undefined;
  mountPoint: string | undefined;
  source: string | undefined;
  /** False for tmpfs, NFS, FUSE, overlay, btrfs subvolumes (major 0): a normal answer, PSI is the guide there. */
  blockDevice: boolean;
  /** Whole devices on the way down (dm-0, md0, loop0, sda...), as named in /proc/diskstats; for overlay, its upper layer's. */
  disks: string[];
  /** One line per route, e.g. `loop0p1 → loop0 → /srv/img → vda`. */
  routes: string[];
  /** overlay: the folder of its upper layer (`upperdir`), where what is written through it lands. */
  upperDir?: string;
  /** overlay: where the path is in the upper layer (its folder when not copied up yet); both only when this namespace sees the layer. */
  upperPath?: string;
}

/** Linux dev_t: 12 bits of major and 20 of minor, split as glibc's gnu_dev_major/minor do. */
export function splitDev(dev: bigint): { major: number; minor: number } {
  return {
    major: Number(((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn)),
    minor: Number((dev & 0xffn) | ((dev >> 12n) & ~0xffn)),
  };
}

const MAX_DEPTH = 8;

/** Walk /sys/dev/block/MAJ:MIN down to the devices that do the I/O; `trail` is the route so far. */
function walk(majMin: string, sysRoot: string, trail: string[], depth: number, out: { disks: Set<string>; routes: string[] }): void {
  let dir: string;
  try {
    dir = realpathSync(`${sysRoot}/dev/block/${majMin}`);
  } catch {
    out.routes.push([...trail, `${majMin} (not in sysfs)`].join(' → '));
    return;
  }
  const here: string[] = [...trail];
  if (existsSync(`${dir}/partition`)) {
    here.push(basename(dir).replaceAll('!', '/'));
    dir = dirname(dir);
  }
  const name = basename(dir).replaceAll('!', '/');
  here.push(name);
  out.disks.add(name);
  if (depth >= MAX_DEPTH) return void out.routes.push(here.join(' → '));
  let slaves: string[] = [];
  try {
    slaves = readdirSync(`${dir}/slaves`);
  } catch {
    // No slaves folder: a plain disk or a loop device.
  }
  const backing = readProcFile(`${dir}/loop/backing_file`)?.trim();
  if (slaves.length > 0) {
    for (const slave of slaves) {
      const dev = readProcFile(`${dir}/slaves/${slave}/dev`)?.trim();
      if (dev) walk(dev, sysRoot, here, depth + 1, out);
      else out.routes.push([...here, slave].join(' → '));
    }
  } else if (backing) {
    try {
      const { major, minor } = splitDev(statSync(backing, { bigint: true }).dev);
      if (major === 0) out.routes.push([...here, backing, `${major}:${minor} (no block device)`].join(' → '));
      else walk(`${major}:${minor}`, sysRoot, [...here, backing], depth + 1, out);
    } catch {
      out.routes.push([...here, `${backing} (gone)`].join(' → '));
    }
  } else {
    out.routes.push(here.join(' → '));
  }
}

/**
 * overlay's upper layer, and where `real` is (or would be, once copied up) in it, when this mount
 * namespace sees it. The kernel shows `upperdir` as the mounter gave it: mountinfo's octal escapes
 * are undone by mountOption, overlay's own backslash escapes (`\,` for a comma) here. From inside
 * a container it names a folder of the host, so it counts only as an absolute folder that exists,
 * in which a regular file (which overlay has always copied up before it is written) is found.
 */
function overlayUpper(mount: MountEntry, real: string, isFile: boolean): { upperDir: string; upperPath: string; dev: bigint } | undefined {
  const raw = mountOption(mount.superOptions, 'upperdir');
  if (raw === undefined) return undefined;
  const upperDir = raw.replace(/\\(.)/g, '$1');
  const dir = isAbsolute(upperDir) ? statSync(upperDir, { bigint: true, throwIfNoEntry: false }) : undefined;
  if (dir === undefined) return undefined;
  const inside = join(mount.root, relative(mount.mountPoint, real));
  const inUpper = inside === '/' ? upperDir : join(upperDir, inside);
  const there = inUpper === upperDir ? dir : statSync(inUpper, { bigint: true, throwIfNoEntry: false });
  if (there !== undefined) return { upperDir, upperPath: inUpper, dev: there.dev };
  return isFile ? undefined : { upperDir, upperPath: upperDir, dev: dir.dev };
}

/** Resolve a path to its filesystem and the whole block devices under it (partition → disk, dm/md → slaves, loop → backing file). */
export function resolvePathDevices(path: string, roots: ProcRoots): PathDevices {
  const stat = statSync(path, { bigint: true });
  const { major, minor } = splitDev(stat.dev);
  const real = realpathSync(path);
  const mount = findMount(readMounts(roots), real, major, minor);
  const result: PathDevices = {
    path,
    dev: `${major}:${minor}`,
    fsType: mount?.fsType,
    mountPoint: mount?.mountPoint,
    source: mount?.source,
    blockDevice: major !== 0,
    disks: [],
    routes: [],
  };
  const upper = mount?.fsType === 'overlay' ? overlayUpper(mount, real, stat.isFile()) : undefined;
  const out = { disks: new Set<string>(), routes: [] as string[] };
  if (upper !== undefined) {
    result.upperDir = upper.upperDir;
    result.upperPath = upper.upperPath;
    // What is written through overlay is written in its upper layer: its disks are the path's.
    const below = splitDev(upper.dev);
    if (below.major !== 0) walk(`${below.major}:${below.minor}`, roots.sysRoot, [`overlay upper ${upper.upperDir}`], 0, out);
  } else if (major !== 0) {
    walk(`${major}:${minor}`, roots.sysRoot, [], 0, out);
  }
  result.disks = [...out.disks];
  result.routes = out.routes;
  return result;
}
