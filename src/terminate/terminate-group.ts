import { sampleProcess, type ProcessSample } from '../proc/processes.ts';
import type { ProcRoots } from '../proc/roots.ts';
import { signalGroup } from './signal-group.ts';

/** How long to wait after SIGKILL before calling what is left a survivor. */
export const UNKILLABLE_WAIT_MS = 5000;

export interface TerminateGroupOptions {
  pgid: number;
  /** Lists the group's live (non-zombie) members; called while polling. */
  members: () => Array<{ pid: number }>;
  signal: NodeJS.Signals;
  /** How long the first signal gets before SIGKILL. */
  graceMs: number;
  /** How long to wait after SIGKILL before naming survivors (processes in D state ignore it). */
  unkillableWaitMs: number;
  roots: Pick<ProcRoots, 'procRoot'>;
  pollMs?: number;
  /** Called when the grace ran out and SIGKILL is sent. */
  onEscalate?: (remaining: Array<{ pid: number }>) => void;
}

export interface TerminateGroupResult {
  /** True when SIGKILL had to be sent. */
  forced: boolean;
  /** Processes still alive after SIGKILL and the wait: in D state, or frozen. */
  survivors: ProcessSample[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll until the group has no live member or the time is up; returns what is left. */
export async function waitGroupGone<T>(members: () => T[], timeoutMs: number, pollMs = 100): Promise<T[]> {
  const end = Date.now() + timeoutMs;
  let left = members();
  while (left.length > 0 && Date.now() < end) {
    await sleep(Math.min(pollMs, Math.max(1, end - Date.now())));
    left = members();
  }
  return left;
}

/** Signal the whole group, give it the grace, SIGKILL what is left, and name what survives even that. */
export async function terminateGroup(o: TerminateGroupOptions): Promise<TerminateGroupResult> {
  if (o.members().length === 0) return { forced: false, survivors: [] };
  signalGroup(o.pgid, o.signal);
  // A stopped process cannot act on TERM until continued.
  if (o.signal !== 'SIGKILL') signalGroup(o.pgid, 'SIGCONT');
  let left = await waitGroupGone(o.members, o.graceMs, o.pollMs);
  if (left.length === 0) return { forced: false, survivors: [] };
  o.onEscalate?.(left);
  signalGroup(o.pgid, 'SIGKILL');
  left = await waitGroupGone(o.members, o.unkillableWaitMs, o.pollMs);
  const survivors = left.map((s) => sampleProcess(s.pid, o.roots)).filter((s): s is ProcessSample => s !== undefined);
  return { forced: true, survivors };
}
