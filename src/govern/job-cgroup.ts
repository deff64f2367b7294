import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { readMounts } from '../proc/mounts.ts';
import type { ProcRoots } from '../proc/roots.ts';

/** Where the cgroup hierarchies are mounted: v1 by controller (`freezer`, `blkio`), v2 once. */
export interface CgroupMounts {
  v1: Map<string, string>;
  v2: string | undefined;
}

export function findCgroupMounts(roots: Pick<ProcRoots, 'procRoot'>): CgroupMounts {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const m of readMounts(roots)) {
    if (m.fsType === 'cgroup2') v2 ??= m.mountPoint;
    else if (m.fsType === 'cgroup') for (const opt of m.superOptions.split(',')) if (!v1.has(opt)) v1.set(opt, m.mountPoint);
  }
  return { v1, v2 };
}

/**
 * This process's cgroup in a hierarchy, from /proc/self/cgroup (`7:blkio:/system.slice/cron.service`,
 * `0::/...` for v2), as a folder under the mount. The job's cgroup goes below it, so what applies
 * to the wrapper's cgroup (a parent freeze, systemd's tracking of the service) still covers the job.
 */
export function ownCgroup(mount: string, controller: string | 'v2', roots: Pick<ProcRoots, 'procRoot'>): string {
  let text = '';
  try {
    text = readFileSync(`${roots.procRoot}/self/cgroup`, 'utf8');
  } catch {}
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, controllers = '', path = '/'] = m;
    if (controller === 'v2' ? controllers === '' : controllers.split(',').includes(controller)) return path === '/' ? mount : `${mount}${path}`;
  }
  return mount;
}

/** The controllers a v2 hierarchy offers below its root (`cgroup.controllers`). */
export function v2Controllers(mount: string): string[] {
  try {
    return readFileSync(`${mount}/cgroup.controllers`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** Controllers the cgroup v2 root enables for its children (the host's choice, never ioguard's). */
export function v2SubtreeControl(mount: string): string[] {
  try {
    return readFileSync(`${mount}/cgroup.subtree_control`, 'utf8').trim().split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

const PARENT = 'ioguard';

/**
 * The job's own cgroup in one hierarchy: `<base>/ioguard/<job>-<pid>`, made before the job runs
 * (its shell waits at the start latch), removed after it; `base` is the wrapper's own cgroup there,
 * or the hierarchy's root. Root only.
 */
export class JobCgroup {
  readonly base: string;
  readonly path: string;

  private constructor(base: string, path: string) {
    this.base = base;
    this.path = path;
  }

  /** Make the cgroup and put `pid` (the job's gated shell) in it; throws with the errno on failure. */
  static create(base: string, name: string, pid: number, setup?: (parent: string) => void): JobCgroup {
    const parent = `${base}/${PARENT}`;
    const path = `${parent}/${name}-${pid}`;
    // Another run may remove the shared parent between our mkdir calls: try again.
    for (let attempt = 0; ; attempt++) {
      try {
        mkdirSync(parent, { recursive: true });
        sweepStale(parent);
        setup?.(parent);
        mkdirSync(path);
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' && existsSync(path)) {
          reuseStale(path);
          break;
        }
        if (code !== 'ENOENT' || attempt >= 2) throw error;
      }
    }
    const cg = new JobCgroup(base, path);
    try {
      writeFileSync(`${path}/cgroup.procs`, String(pid));
    } catch (error) {
      cg.removeNow();
      throw error;
    }
    return cg;
  }

  write(file: string, value: string): boolean {
    try {
      writeFileSync(`${this.path}/${file}`, value);
      return true;
    } catch {
      return false;
    }
  }

  read(file: string): string | undefined {
    try {
      return readFileSync(`${this.path}/${file}`, 'utf8');
    } catch {
      return undefined;
    }
  }

  /** Pids in the cgroup now. */
  procs(): number[] {
    return (this.read('cgroup.procs') ?? '').split('\n').filter(Boolean).map(Number);
  }

  /**
   * Move what is left (a survivor in D, a daemon the job started in its own session) back to the
   * base cgroup and remove the cgroup, retrying for up to ~5 s while the kernel lets go of exiting tasks.
   */
  async remove(): Promise<boolean> {
    for (let i = 0; i < 50; i++) {
      if (this.removeNow()) return true;
      await delay(100);
    }
    return !existsSync(this.path);
  }

  private removeNow(): boolean {
    for (const pid of this.procs()) {
      try {
        writeFileSync(`${this.base}/cgroup.procs`, String(pid));
      } catch {
        // exited meanwhile
      }
    }
    try {
      rmdirSync(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return false;
    }
    try {
      // The shared parent goes when the last run leaves it (EBUSY while another run uses it).
      rmdirSync(`${this.base}/${PARENT}`);
    } catch {}
    return true;
  }
}

/**
 * `<job>-<pid>` already exists: a wrapper killed with SIGKILL left it, and this job's shell got the
 * same pid. Never join another run's processes; an empty one may still be frozen or throttled, so
 * it is thawed and its limits lifted before use.
 */
function reuseStale(path: string): void {
  const procs = readFileSync(`${path}/cgroup.procs`, 'utf8').trim();
  if (procs !== '') throw new Error(`cgroup ${path} is left from an earlier run and still holds processes (${procs.split('\n').join(', ')})`);
  for (const [file, value] of [['freezer.state', 'THAWED'], ['cgroup.freeze', '0']] as const) {
    try {
      if (existsSync(`${path}/${file}`)) writeFileSync(`${path}/${file}`, value);
    } catch {}
  }
  // Limits a throttle left: v1 rules are lifted with 0, v2 io.max lines with max.
  const lift: Array<[string, (dev: string) => string]> = [
    ...['read_bps', 'write_bps', 'read_iops', 'write_iops'].map((k): [string, (dev: string) => string] => [`blkio.throttle.${k}_device`, (dev) => `${dev} 0`]),
    ['io.max', (dev) => `${dev} rbps=max wbps=max riops=max wiops=max`],
  ];
  for (const [file, reset] of lift) {
    try {
      for (const line of readFileSync(`${path}/${file}`, 'utf8').split('\n')) {
        const dev = /^(\d+:\d+)\s/.exec(line)?.[1];
        if (dev !== undefined) writeFileSync(`${path}/${file}`, reset(dev));
      }
    } catch {}
  }
}

/** Remove empty cgroups left by a wrapper that was killed (`<job>-<pid>` whose pid is gone). */
function sweepStale(parent: string): void {
  let names: string[];
  try {
    names = readdirSync(parent, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = /-(\d+)$/.exec(name)?.[1];
    if (pid === undefined || existsSync(`/proc/${pid}`)) continue;
    try {
      if (readFileSync(`${parent}/${name}/cgroup.procs`, 'utf8').trim() === '') rmdirSync(`${parent}/${name}`);
    } catch {}
  }
}
