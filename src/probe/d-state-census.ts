import { listDStateTasks, type DStateTask } from '../proc/d-state-tasks.ts';
import type { ProcRoots } from '../proc/roots.ts';
import type { DStateCensus, DStateGroup } from './types.ts';
import { describeWchan, waitsOnIo } from './wchan-meanings.ts';

/** Group D-state tasks by what they wait in, largest group first, each with its meaning. */
export function groupDStateTasks(tasks: readonly DStateTask[]): DStateCensus {
  const byWchan = new Map<string, DStateTask[]>();
  for (const task of tasks) {
    const key = task.wchan ?? '?';
    const list = byWchan.get(key);
    if (list) list.push(task);
    else byWchan.set(key, [task]);
  }
  const groups: DStateGroup[] = [...byWchan].map(([wchan, list]) => ({
    wchan,
    meaning: describeWchan(wchan === '?' ? undefined : wchan),
    count: list.length,
    tasks: list,
  }));
  groups.sort((a, b) => b.count - a.count || a.wchan.localeCompare(b.wchan));
  return { count: tasks.length, groups };
}

/** Every thread of every process in state D right now, grouped by wchan. */
export function censusDState(roots: Pick<ProcRoots, 'procRoot'>): DStateCensus {
  return groupDStateTasks(listDStateTasks(roots));
}

/** The groups whose tasks wait on I/O: without the frozen tasks and vfork parents (`waitsOnIo`). */
export function ioWaitGroups(census: DStateCensus): DStateGroup[] {
  return census.groups.filter((g) => waitsOnIo(g.wchan === '?' ? undefined : g.wchan));
}

/** How many D-state tasks wait on I/O: what `--max-blocked` counts. */
export function ioWaitCount(census: DStateCensus): number {
  return ioWaitGroups(census).reduce((n, g) => n + g.count, 0);
}
