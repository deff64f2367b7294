import { invalidOption } from '../errors/ioguard-error.ts';
import { readScheduler } from '../proc/block-devices.ts';
import { integer } from '../util/validate.ts';
import type { ProcRoots } from '../proc/roots.ts';

/** I/O scheduling class for the job, as ionice(1) takes it. */
export interface IoPriority {
  class: 'idle' | 'best-effort' | 'realtime';
  level?: number;
}

const CLASS_NUMBER = { realtime: 1, 'best-effort': 2, idle: 3 } as const;

/** Parse `idle`, `best-effort:4`, `realtime:0` (levels 0-7, 0 is highest). */
export function parseIoPriority(text: string, option = '--ionice'): IoPriority {
  const m = /^(idle|best-effort|realtime)(?::([0-7]))?$/.exec(text.trim());
  if (!m) throw invalidOption(option, text, 'idle, best-effort[:0-7] or realtime[:0-7]');
  const cls = m[1] as IoPriority['class'];
  if (cls === 'idle' && m[2] !== undefined) throw invalidOption(option, text, 'idle without a level (the idle class has none)');
  return m[2] === undefined ? { class: cls } : { class: cls, level: Number(m[2]) };
}

export function validateNice(value: number, option = '--nice'): number {
  return integer(option, value, -20, 19);
}

/**
 * The argv prefix that starts the job at a priority: ionice(1) and nice(1) exec the command in
 * place, so the job keeps the pid we record and there is no window in which it runs un-niced.
 */
export function priorityPrefix(io: IoPriority | undefined, nice: number | undefined): string[] {
  const prefix: string[] = [];
  if (io) prefix.push('ionice', '-c', String(CLASS_NUMBER[io.class]), ...(io.level === undefined ? [] : ['-n', String(io.level)]), '--');
  if (nice !== undefined) prefix.push('nice', '-n', String(nice), '--');
  return prefix;
}

/** Schedulers that act on I/O priorities: bfq (and cfq before 5.0) fully; mq-deadline orders by class since 5.14. */
const HONOURS = new Set(['bfq', 'cfq', 'mq-deadline']);

/** Disks among `devices` whose scheduler ignores I/O priorities (none, kyber, noop...). */
export function devicesIgnoringPriority(devices: readonly string[], roots: Pick<ProcRoots, 'sysRoot'>): Array<{ device: string; scheduler: string }> {
  const ignoring: Array<{ device: string; scheduler: string }> = [];
  for (const device of devices) {
    const scheduler = readScheduler(device, roots);
    if (scheduler !== undefined && !HONOURS.has(scheduler)) ignoring.push({ device, scheduler });
  }
  return ignoring;
}
