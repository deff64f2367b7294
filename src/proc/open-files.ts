import { readdirSync, statSync, type Stats } from 'node:fs';

/** Most descriptors holdsFileOn looks at: a database with thousands of open files costs no more than this. */
const MAX_FDS = 1024;

/** One open descriptor of a process: its number, its /proc link, and stat(2) of what it points at. */
export interface OpenFd {
  fd: string;
  link: string;
  st: Stats;
}

/**
 * The first `max` descriptors of process `pid` (/proc/PID/fd), each followed with stat(2). A
 * process that is gone or hides its descriptors has none; a descriptor closed meanwhile, or one
 * stat cannot follow, is skipped.
 */
export function* openFds(pid: number, procRoot: string, max: number): Generator<OpenFd> {
  let fds: string[];
  try {
    fds = readdirSync(`${procRoot}/${pid}/fd`);
  } catch {
    return;
  }
  for (const fd of fds.slice(0, max)) {
    const link = `${procRoot}/${pid}/fd/${fd}`;
    let st: Stats;
    try {
      st = statSync(link);
    } catch {
      continue;
    }
    yield { fd, link, st };
  }
}

/** Does process `pid` hold open a regular file on one of the filesystems `devs` (st_dev values)? */
export function holdsFileOn(pid: number, devs: ReadonlySet<number>, procRoot = '/proc'): boolean {
  if (devs.size === 0) return false;
  for (const { st } of openFds(pid, procRoot, MAX_FDS)) if (st.isFile() && devs.has(st.dev)) return true;
  return false;
}
