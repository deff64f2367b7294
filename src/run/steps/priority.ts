import { devicesIgnoringPriority, priorityPrefix } from '../../gate/io-priority.ts';
import { listWholeDisks } from '../../proc/block-devices.ts';
import type { Step } from '../run-state.ts';

/**
 * The job's I/O and CPU priority: --ionice and --nice, or idle and 19 when the gate throttles.
 * Warns once when a disk's I/O scheduler ignores I/O priorities (none, mq-deadline).
 */
export const priorityStep: Step = {
  name: 'priority',
  enter(state) {
    const { ctx } = state;
    const throttled = state.gate?.throttled ?? false;
    const ionice = throttled ? { class: 'idle' as const } : ctx.o.ionice;
    const nice = throttled ? 19 : ctx.o.nice;
    state.prefix = priorityPrefix(ionice, nice);
    if (ionice) {
      const ignoring = devicesIgnoringPriority(state.gate?.devices ?? [...(listWholeDisks(ctx.roots) ?? [])], ctx.roots);
      if (ignoring.length > 0) {
        const where = ignoring.map((d) => `${d.device} (${d.scheduler})`).join(', ');
        const line = `I/O scheduler ignores I/O priorities on ${where}: --ionice has no effect there`;
        ctx.log.log('warn', 'io-priority-ignored', line, { devices: ignoring });
      }
    }
    return 'proceed';
  },
};
