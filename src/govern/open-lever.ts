import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { listWholeDisks } from '../proc/block-devices.ts';
import type { ProcRoots } from '../proc/roots.ts';
import { FreezeLever, ThrottleLever } from './cgroup-levers.ts';
import { JobCgroup, findCgroupMounts, ownCgroup, v2Controllers, v2SubtreeControl, type CgroupMounts } from './job-cgroup.ts';
import type { Lever, LeverChoice, LeverKind } from './lever.ts';
import { StopLever } from './stop-lever.ts';

/**
 * What `auto` tries, best first, from bench/results/levers.md (docs/pressure.md, "Which lever"):
 * the lever that kept a foreground commit fastest against both a buffered and a direct-I/O job.
 */
export const AUTO_ORDER: readonly LeverKind[] = ['freeze', 'stop'];

export interface OpenLeverOptions {
  choice: LeverChoice;
  /** The job's process group (its gated shell's pid): placed in the cgroup before it runs. */
  pgid: number;
  name: string;
  /** Whole-disk names to throttle (the gate's `--path` disks); every whole disk when absent. */
  devices?: readonly string[] | undefined;
  roots: ProcRoots;
  /** For tests: the mounts to use instead of /proc/self/mountinfo's. */
  mounts?: CgroupMounts;
}

export interface OpenedLever {
  lever: Lever;
  /** Why the asked-for lever is not the one in use (not root, no controller, cgroup not writable). */
  fallback?: string;
}

/** Pick and set up the lever before the job runs; any problem falls back to SIGSTOP, with the reason. */
export function openLever(o: OpenLeverOptions): OpenedLever {
  const stop = new StopLever(o.pgid);
  if (o.choice === 'stop') return { lever: stop };
  const wanted: readonly LeverKind[] = o.choice === 'auto' ? AUTO_ORDER : [o.choice];
  if (process.getuid?.() !== 0) return { lever: stop, fallback: `not root: the ${o.choice === 'auto' ? AUTO_ORDER[0] : o.choice} lever needs the job's own cgroup, which only root can make; pausing with SIGSTOP` };
  const mounts = o.mounts ?? findCgroupMounts(o.roots);
  const problems: string[] = [];
  for (const kind of wanted) {
    if (kind === 'stop') return { lever: stop, ...(problems.length > 0 ? { fallback: `${problems.join('; ')}; pausing with SIGSTOP` } : {}) };
    try {
      const lever = kind === 'freeze' ? openFreeze(o, mounts) : openThrottle(o, mounts);
      if (typeof lever === 'string') problems.push(lever);
      else return { lever };
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      problems.push(`${kind}: cannot set up the job's cgroup (${e.code ?? e.message})`);
    }
  }
  return { lever: stop, fallback: `${problems.join('; ')}; pausing with SIGSTOP` };
}

function openFreeze(o: OpenLeverOptions, mounts: CgroupMounts): Lever | string {
  const v1 = mounts.v1.get('freezer');
  if (v1 !== undefined) return new FreezeLever(JobCgroup.create(ownCgroup(v1, 'freezer', o.roots), o.name, o.pgid), 1);
  // cgroup.freeze exists in every non-root v2 cgroup from kernel 5.2, and needs no controller, so the
  // job's cgroup can sit below the wrapper's (the service keeps tracking it, its limits still apply).
  if (mounts.v2 !== undefined) {
    const cg = JobCgroup.create(ownCgroup(mounts.v2, 'v2', o.roots), o.name, o.pgid);
    if (existsSync(`${cg.path}/cgroup.freeze`)) return new FreezeLever(cg, 2);
    void cg.remove();
  }
  return 'freeze: no cgroup freezer (no v1 freezer hierarchy, no v2 cgroup.freeze: kernel < 5.2)';
}

function openThrottle(o: OpenLeverOptions, mounts: CgroupMounts): Lever | string {
  const devices = majMins(o.devices ?? [...(listWholeDisks(o.roots) ?? [])], o.roots);
  if (devices.length === 0) return 'throttle: no block device to throttle';
  const v1 = mounts.v1.get('blkio');
  if (v1 !== undefined) {
    // v1 blk-throttle is flat: a child is not held by its parent's rules, so the job's cgroup starts with a copy of them.
    const base = ownCgroup(v1, 'blkio', o.roots);
    const cg = JobCgroup.create(base, o.name, o.pgid, undefined);
    return new ThrottleLever(cg, 1, devices, readV1Rules(base));
  }
  const v2 = mounts.v2;
  if (v2 !== undefined && v2Controllers(v2).includes('io')) {
    // io.max appears in a child only once `io` is enabled in every level's subtree_control above it;
    // a cgroup with processes (the wrapper's) cannot enable it, so this one sits below the root.
    // The root's subtree_control is the host's (systemd's) to set: ioguard never changes it, and
    // uses io.max only where the host already enabled io there.
    if (!v2SubtreeControl(v2).includes('io')) return `throttle: cgroup v2 offers io at ${v2} but the host has not enabled it in ${v2}/cgroup.subtree_control (ioguard does not change the host's root cgroup)`;
    const cg = JobCgroup.create(v2, o.name, o.pgid, (parent) => writeFileSync(`${parent}/cgroup.subtree_control`, '+io'));
    return new ThrottleLever(cg, 2, devices);
  }
  return `throttle: no block I/O controller (no v1 blkio hierarchy; cgroup v2 ${v2 === undefined ? 'not mounted' : `offers no io controller at ${v2}`})`;
}

/** `vda` → `253:0`; names without a readable dev file are left out. */
function majMins(names: readonly string[], roots: Pick<ProcRoots, 'sysRoot'>): string[] {
  const out: string[] = [];
  for (const name of names) {
    try {
      out.push(readFileSync(`${roots.sysRoot}/block/${name.replaceAll('/', '!')}/dev`, 'utf8').trim());
    } catch {}
  }
  return out;
}

/** The v1 throttle rules of a cgroup, by file: `{ 'blkio.throttle.write_bps_device': { '7:0': 8388608 } }`. */
function readV1Rules(cgroup: string): Record<string, Record<string, number>> {
  const out: Record<string, Record<string, number>> = {};
  for (const file of ['write_bps_device', 'write_iops_device', 'read_bps_device', 'read_iops_device']) {
    const rules: Record<string, number> = {};
    try {
      for (const line of readFileSync(`${cgroup}/blkio.throttle.${file}`, 'utf8').split('\n')) {
        const [dev, value] = line.trim().split(/\s+/);
        if (dev && value && /^\d+:\d+$/.test(dev) && Number(value) > 0) rules[dev] = Number(value);
      }
    } catch {}
    out[`blkio.throttle.${file}`] = rules;
  }
  return out;
}
