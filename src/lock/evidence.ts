import { progressSignature, type ProcessSample } from '../proc/processes.ts';
import type { ProcessEvidence } from './record.ts';

/**
 * Merge fresh samples into the previous evidence: a process whose counters did not change keeps
 * its `unchangedSince`, any change resets it to now. Processes that are gone drop out.
 */
export function updateEvidence(previous: readonly ProcessEvidence[], samples: readonly ProcessSample[], now: number): ProcessEvidence[] {
  return samples.map((s) => {
    const signature = progressSignature(s);
    const old = previous.find((e) => e.pid === s.pid && e.starttime === s.starttime);
    const unchangedSince = old && old.signature === signature ? old.unchangedSince : now;
    return { pid: s.pid, starttime: s.starttime, comm: s.comm, state: s.state, wchan: s.wchan ?? null, signature, unchangedSince };
  });
}

/** True when any process changed its counters compared with the previous evidence. */
export function madeProgress(previous: readonly ProcessEvidence[], next: readonly ProcessEvidence[]): boolean {
  return next.some((e) => !previous.some((p) => p.pid === e.pid && p.starttime === e.starttime && p.signature === e.signature));
}

/** The D-state process that has gone longest without progress, if it passed `stuckAfterMs`. */
export function findStuck(evidence: readonly ProcessEvidence[], now: number, stuckAfterMs: number): ProcessEvidence | undefined {
  let worst: ProcessEvidence | undefined;
  for (const e of evidence) {
    if (e.state !== 'D' || now - e.unchangedSince < stuckAfterMs) continue;
    if (!worst || e.unchangedSince < worst.unchangedSince) worst = e;
  }
  return worst;
}
