import { ftruncateSync, writeSync } from 'node:fs';
import { selfIdentity } from '../proc/self.ts';
import { closeFd, openLockFile, tryFlock, waitFlock } from './flock.ts';
import { HeldLock } from './held-lock.ts';
import { judgePrevious, type JudgeContext, type PreviousRun } from './judge.ts';
import { jobPaths } from './lock-dir.ts';
import { readRecord, setAsideRecord, writeRecord } from './record.ts';
import { replacePrevious } from './replace.ts';

export type OnBusy = 'skip' | 'wait' | 'replace';

export interface TakeLockOptions {
  name: string;
  lockDir: string;
  onBusy: OnBusy;
  /** With onBusy 'wait': the longest wait before skipping. */
  waitMs: number;
  stuckAfterMs: number;
  /** With onBusy 'replace': the grace between the previous run's TERM and KILL. */
  killAfterMs: number;
  bootId: string;
  roots: JudgeContext['roots'];
  now: () => number;
  signal?: AbortSignal;
  /** The caller's command, written into the wait file so `status` shows the waiter's own. */
  argv?: readonly string[];
  /** Decisions worth a log line: reclaimed, waiting, replaced. */
  onEvent?: (event: string, fields: Record<string, unknown>) => void;
}

export type LockOutcome =
  | { kind: 'acquired'; lock: HeldLock; previous: PreviousRun; waitedMs: number }
  | { kind: 'busy'; previous: PreviousRun; reason: 'running' | 'another-waiter' | 'wait-expired' | 'interrupted'; waitedMs: number }
  | { kind: 'stuck'; previous: Extract<PreviousRun, { kind: 'stuck' }>; waitedMs: number };

type Attempt = { got: true; lock: HeldLock; previous: PreviousRun } | { got: false; previous: PreviousRun };

/** One try: take the flock if free, then judge the record. An orphaned or stuck job keeps the job busy. */
function attempt(o: TakeLockOptions, paths: ReturnType<typeof jobPaths>, fd = openLockFile(paths.lock), got = tryFlock(fd, paths.lock)): Attempt {
  const read = readRecord(paths.record);
  const previous = judgePrevious(read, { lockHeldByOther: !got, bootId: o.bootId, now: o.now(), stuckAfterMs: o.stuckAfterMs, roots: o.roots });
  if (got && (previous.kind === 'none' || previous.kind === 'stale')) {
    if (previous.kind === 'stale') {
      const aside = read.kind === 'corrupt' ? setAsideRecord(paths.record) : undefined;
      o.onEvent?.('reclaimed', { reason: previous.reason, previous: previous.record ?? undefined, excerpt: previous.excerpt, setAside: aside });
    }
    return { got: true, lock: new HeldLock(o.name, paths, fd), previous };
  }
  // We hold the flock over an orphaned job: carry its evidence forward so later ticks can call it stuck.
  if (got && previous.kind !== 'none' && previous.kind !== 'stale' && previous.record) {
    writeRecord(paths.record, { ...previous.record, evidence: previous.evidence, updatedAt: o.now() });
  }
  closeFd(fd);
  return { got: false, previous };
}

/** Take the job's lock, or say why not: the previous run is busy, stuck, or the wait ran out. */
export async function takeJobLock(o: TakeLockOptions): Promise<LockOutcome> {
  const paths = jobPaths(o.lockDir, o.name);
  const started = o.now();
  const waited = (): number => o.now() - started;
  let a = attempt(o, paths);
  if (a.got) return { kind: 'acquired', lock: a.lock, previous: a.previous, waitedMs: 0 };
  if (a.previous.kind === 'stuck') return { kind: 'stuck', previous: a.previous, waitedMs: 0 };
  if (o.onBusy === 'skip') return { kind: 'busy', previous: a.previous, reason: 'running', waitedMs: 0 };
  if (o.onBusy === 'replace') {
    const replaced = await replacePrevious(o, a.previous);
    if (replaced.kind === 'stuck') return { kind: 'stuck', previous: replaced.previous, waitedMs: waited() };
    a = attempt(o, paths);
    if (!a.got) {
      const fd = openLockFile(paths.lock);
      const got = await waitFlock(fd, paths.lock, o.killAfterMs + 10_000, o.signal);
      a = got ? attempt(o, paths, fd, true) : (closeFd(fd), { got: false, previous: a.previous });
    }
    if (a.got) return { kind: 'acquired', lock: a.lock, previous: a.previous, waitedMs: waited() };
    if (a.previous.kind === 'stuck') return { kind: 'stuck', previous: a.previous, waitedMs: waited() };
    return { kind: 'busy', previous: a.previous, reason: o.signal?.aborted ? 'interrupted' : 'running', waitedMs: waited() };
  }
  // wait: at most one waiter per job, or the waiters become the pile-up.
  const waitFd = openLockFile(paths.wait);
  if (!tryFlock(waitFd, paths.wait)) {
    closeFd(waitFd);
    return { kind: 'busy', previous: a.previous, reason: 'another-waiter', waitedMs: 0 };
  }
  try {
    ftruncateSync(waitFd, 0);
    writeSync(waitFd, JSON.stringify({ ...selfIdentity(o.roots), since: started, argv: o.argv }), 0);
    o.onEvent?.('waiting', { waitMs: o.waitMs, holder: a.previous.kind === 'running' ? a.previous.record?.wrapper : undefined });
    for (;;) {
      const remaining = started + o.waitMs - o.now();
      if (o.signal?.aborted) return { kind: 'busy', previous: a.previous, reason: 'interrupted', waitedMs: waited() };
      if (remaining <= 0) return { kind: 'busy', previous: a.previous, reason: 'wait-expired', waitedMs: waited() };
      const orphaned = a.previous.kind === 'running' && a.previous.orphaned;
      if (orphaned) {
        // No wrapper to release the flock when the orphan ends: poll.
        await new Promise((r) => setTimeout(r, Math.min(1000, remaining)));
        a = attempt(o, paths);
      } else {
        const fd = openLockFile(paths.lock);
        const got = await waitFlock(fd, paths.lock, remaining, o.signal);
        a = got ? attempt(o, paths, fd, true) : (closeFd(fd), a);
      }
      if (a.got) return { kind: 'acquired', lock: a.lock, previous: a.previous, waitedMs: waited() };
      if (a.previous.kind === 'stuck') return { kind: 'stuck', previous: a.previous, waitedMs: waited() };
    }
  } finally {
    ftruncateSync(waitFd, 0);
    closeFd(waitFd);
  }
}
