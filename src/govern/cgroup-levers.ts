import type { JobCgroup } from './job-cgroup.ts';
import type { Lever } from './lever.ts';

/** Writes (file, value) pairs given as arguments; the watchdog's undo for every cgroup lever. */
// A cgroup that is gone (the run ended) is nothing to undo; a failed write reaches the watchdog's stderr.
const WRITE_PAIRS = `while [ $# -ge 2 ]; do if [ -e "$1" ]; then printf '%s\\n' "$2" > "$1"; fi; shift 2; done`;

/**
 * The cgroup freezer: v1 `freezer.state` FROZEN/THAWED, v2 `cgroup.freeze` 1/0. Catches every
 * process of the job, also those that left its process group (setsid, daemons), and sends no
 * signal the job or its parent could see.
 */
export class FreezeLever implements Lever {
  readonly kind = 'freeze' as const;
  readonly cg: JobCgroup;
  readonly version: 1 | 2;
  private readonly file: string;

  constructor(cg: JobCgroup, version: 1 | 2) {
    this.cg = cg;
    this.version = version;
    this.file = version === 1 ? 'freezer.state' : 'cgroup.freeze';
  }

  private value(frozen: boolean): string {
    return this.version === 1 ? (frozen ? 'FROZEN' : 'THAWED') : frozen ? '1' : '0';
  }

  pause(): boolean {
    return this.cg.procs().length > 0 && this.cg.write(this.file, this.value(true));
  }

  resume(): void {
    this.cg.write(this.file, this.value(false));
  }

  undo(): { script: string; args: string[] } {
    return { script: WRITE_PAIRS, args: [`${this.cg.path}/${this.file}`, this.value(false)] };
  }

  describe(): string {
    return `${this.file} ${this.value(true)} in ${this.cg.path}`;
  }

  async release(): Promise<void> {
    this.resume();
    await this.cg.remove();
  }
}

/** What a throttled job may still do per device while pressure is high: a trickle, so it keeps its connections alive. */
export const THROTTLE_LIMITS = Object.freeze({ bps: 1024 * 1024, iops: 20 });

/**
 * Block I/O throttling of the job's cgroup on its devices: v1 `blkio.throttle.*_device` (holds
 * back the job's direct I/O and its own fsync; buffered writeback is issued by the flusher in the
 * root cgroup and passes), v2 `io.max` (writeback is attributed to the cgroup that dirtied the pages).
 */
export class ThrottleLever implements Lever {
  readonly kind = 'throttle' as const;
  readonly cg: JobCgroup;
  readonly version: 1 | 2;
  /** `MAJ:MIN` of the whole disks to throttle. */
  readonly devices: readonly string[];
  /** v1: the rules the job had in the cgroup it came from, kept in its own (blk-throttle is flat on v1). */
  readonly inherited: Readonly<Record<string, Readonly<Record<string, number>>>>;

  constructor(cg: JobCgroup, version: 1 | 2, devices: readonly string[], inherited: Record<string, Record<string, number>> = {}) {
    this.cg = cg;
    this.version = version;
    this.devices = devices;
    this.inherited = inherited;
    if (version === 1) for (const [file, value] of this.inheritedWrites()) cg.write(file, value);
  }

  private inheritedWrites(): Array<[string, string]> {
    return Object.entries(this.inherited).flatMap(([file, rules]) => Object.entries(rules).map(([dev, v]): [string, string] => [file, `${dev} ${v}`]));
  }

  /** (file, value) pairs that set (on) or clear (off) the limits. */
  private writes(on: boolean): Array<[string, string]> {
    const { bps, iops } = THROTTLE_LIMITS;
    if (this.version === 2) {
      const v = on ? `rbps=${bps} wbps=${bps} riops=${iops} wiops=${iops}` : 'rbps=max wbps=max riops=max wiops=max';
      return this.devices.map((d) => ['io.max', `${d} ${v}`]);
    }
    // Off restores what the job brought along (0: no rule); on never loosens an inherited rule.
    const rule = (file: string, d: string, trickle: number): [string, string] => {
      const kept = this.inherited[`blkio.throttle.${file}`]?.[d] ?? 0;
      return [`blkio.throttle.${file}`, `${d} ${on ? (kept > 0 ? Math.min(kept, trickle) : trickle) : kept}`];
    };
    return this.devices.flatMap((d) => [rule('write_bps_device', d, bps), rule('write_iops_device', d, iops), rule('read_bps_device', d, bps), rule('read_iops_device', d, iops)]);
  }

  pause(): boolean {
    let any = false;
    for (const [file, value] of this.writes(true)) any = this.cg.write(file, value) || any;
    return any;
  }

  resume(): void {
    for (const [file, value] of this.writes(false)) this.cg.write(file, value);
  }

  undo(): { script: string; args: string[] } {
    return { script: WRITE_PAIRS, args: this.writes(false).flatMap(([file, value]) => [`${this.cg.path}/${file}`, value]) };
  }

  describe(): string {
    const mib = THROTTLE_LIMITS.bps / (1024 * 1024);
    return `${this.version === 1 ? 'blkio.throttle' : 'io.max'} ${mib} MiB/s and ${THROTTLE_LIMITS.iops} IOPS on ${this.devices.join(', ')} in ${this.cg.path}`;
  }

  async release(): Promise<void> {
    this.resume();
    await this.cg.remove();
  }
}
