import { parseMountinfo, type MountEntry } from './parse-mountinfo.ts';
import { readProcFile } from './read-file.ts';
import type { ProcRoots } from './roots.ts';

export function readMounts(roots: Pick<ProcRoots, 'procRoot'>): MountEntry[] {
  return parseMountinfo(readProcFile(`${roots.procRoot}/self/mountinfo`) ?? '');
}

function isUnder(path: string, mountPoint: string): boolean {
  return mountPoint === '/' || path === mountPoint || path.startsWith(`${mountPoint}/`);
}

/**
 * The mount a (real) path lives on: the deepest mount point above it, preferring one whose
 * major:minor matches the path's device; a later mount on the same point hides earlier ones.
 */
export function findMount(mounts: readonly MountEntry[], realPath: string, major: number, minor: number): MountEntry | undefined {
  let best: MountEntry | undefined;
  let bestSameDev: MountEntry | undefined;
  for (const m of mounts) {
    if (!isUnder(realPath, m.mountPoint)) continue;
    if (!best || m.mountPoint.length >= best.mountPoint.length) best = m;
    if (m.major === major && m.minor === minor && (!bestSameDev || m.mountPoint.length >= bestSameDev.mountPoint.length)) bestSameDev = m;
  }
  // btrfs and overlay report an anonymous st_dev that mountinfo does not list: take the deepest.
  return bestSameDev ?? best;
}
