import { readdirSync, statSync } from 'node:fs';

/** Most descriptors looked at: a database with thousands of open files costs no more than this. */
const MAX_FDS = 1024;

/**
 * Does process `pid` hold open a regular file on one of the filesystems `devs` (st_dev values)?
 * Follows /proc/PID/fd links with stat(2); a process that is gone, or hides its descriptors,
 * holds nothing we can see.
 */
export function holdsFileOn(pid: number, devs: ReadonlySet<number>, procRoot = '/proc'): boolean {
  if (devs.size === 0) return false;
  let fds: string[];
  try {
    fds = readdirSync(`${procRoot}/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds.slice(0, MAX_FDS)) {
    try {
      const st = statSync(`${procRoot}/${pid}/fd/${fd}`);
      if (st.isFile() && devs.has(st.dev)) return true;
    } catch {
      // closed meanwhile, or a socket/pipe target that stat cannot follow
    }
  }
  return false;
}
