import { confirmVerdict, evaluate, type Verdict } from '../probe/evaluate.ts';
import { probe } from '../probe/probe.ts';
import type { Thresholds } from '../probe/thresholds.ts';
import type { ProbeSnapshot } from '../probe/types.ts';
import type { ProcRoots } from '../proc/roots.ts';
import { readDirtyPercent } from '../proc/system-counters.ts';

export interface LookOptions {
  roots: ProcRoots;
  thresholds: Readonly<Thresholds>;
  windowMs: number;
  path: string | undefined;
}

export interface Look {
  snapshot: ProbeSnapshot;
  verdict: Verdict;
  /** How many probe windows this judgement took: 1 when healthy at once, 2 when confirmed. */
  looks: number;
}

async function once(o: LookOptions): Promise<{ snapshot: ProbeSnapshot; verdict: Verdict }> {
  const before = readDirtyPercent(o.roots);
  const t0 = performance.now();
  const snapshot = await probe({ roots: o.roots, windowMs: o.windowMs, ...(o.path === undefined ? {} : { path: o.path }) });
  const dirtyBefore = before === undefined ? undefined : { percentOfThrottle: before, msBefore: performance.now() - t0 };
  return { snapshot, verdict: evaluate(snapshot, o.thresholds, dirtyBefore) };
}

/**
 * One judgement of the system: a look, and when it trips, a second look right after it. A limit
 * holds the job only when both looks tripped it (confirmVerdict): a quiet host pays one window,
 * one busy instant never defers, sustained pressure is seen over two windows.
 */
export async function judge(o: LookOptions): Promise<Look> {
  const first = await once(o);
  if (first.verdict.healthy) return { ...first, looks: 1 };
  const second = await once(o);
  return { snapshot: second.snapshot, verdict: confirmVerdict(first.verdict, second.verdict), looks: 2 };
}
