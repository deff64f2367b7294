import { parsePidStat } from './parse-pid-stat.ts';
import { listPids, readWchan } from './processes.ts';
import { readProcFile } from './read-file.ts';
import type { ProcRoots } from './roots.ts';

/** A thread in uninterruptible sleep (state D) and the kernel function it waits in. */
export interface DStateTask {
  pid: number;
  tid: number;
  comm: string;
  /** undefined when the kernel hides it (another user's task without privileges) or the task moved on. */
  wchan: string | undefined;
}

/** State letter of a stat line: the first character after the last `)` and a space. */
function stateOf(text: string): string {
  return text.charAt(text.lastIndexOf(')') + 2);
}

/** Thread count: field 20, counted from the state field after the comm. */
function threadsOf(text: string): number {
  let i = text.lastIndexOf(')') + 2;
  for (let field = 3; field < 20; field++) i = text.indexOf(' ', i) + 1;
  return Number.parseInt(text.slice(i, text.indexOf(' ', i)), 10) || 1;
}

/**
 * Every D-state thread of every process: /proc/PID/stat shows the main thread only, so
 * multi-threaded processes are read per task. Only D lines are fully parsed, which keeps a scan
 * of thousands of processes cheap; processes that exit mid-scan are skipped.
 */
export function listDStateTasks(roots: Pick<ProcRoots, 'procRoot'>): DStateTask[] {
  const found: DStateTask[] = [];
  const add = (pid: number, tid: number, text: string, base: string): void => {
    const stat = parsePidStat(text);
    if (stat) found.push({ pid, tid, comm: stat.comm, wchan: readWchan(`${base}/wchan`) });
  };
  for (const pid of listPids(roots.procRoot)) {
    const base = `${roots.procRoot}/${pid}`;
    const text = readProcFile(`${base}/stat`);
    if (text === undefined) continue;
    if (stateOf(text) === 'D') add(pid, pid, text, `${base}/task/${pid}`);
    if (threadsOf(text) <= 1) continue;
    for (const tid of listPids(`${base}/task`)) {
      if (tid === pid) continue;
      const ttext = readProcFile(`${base}/task/${tid}/stat`);
      if (ttext !== undefined && stateOf(ttext) === 'D') add(pid, tid, ttext, `${base}/task/${tid}`);
    }
  }
  return found;
}
