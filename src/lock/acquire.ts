import { ftruncateSync, writeSync } from 'node:fs';
import { selfIdentity, type SelfIdentity } from '../proc/self.ts';
import { closeFd, openLockFile, stillNamed, tryFlock, waitFlock } from './flock.ts';
import { HeldLock } from './held-lock.ts';
import { isOrphanPastDeadline, judgePrevious, type JudgeContext, type PreviousRun } from './judge.ts';
import { jobPaths } from './lock-dir.ts';
import { readRecord, setAsideRecord, stuckRecord, writeRecord } from './record.ts';
import { overdueLine, recordedPolicy, replacePrevious, terminateRecorded } from './replace.ts';

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
  /** This process's identity for the waiter file (read once by the run); read here when not given. */
  self?: SelfIdentity;
  /** Decisions worth a log line: reclaimed, waiting, replaced. */
  onEvent?: (event: string, fields: Record<string, unknown>) => void;
  /** Person-facing alerts (an overdue orphan ended). */
  report?: (line: string) => void;
}

export type LockOutcome =
  | { kind: 'acquired'; lock: HeldLock; previous: PreviousRun; waitedMs: number }
  | { kind: 'busy'; previous: PreviousRun; reason: 'running' | 'another-waiter' | 'wait-expired' | 'interrupted'; waitedMs: number }
  | { kind: 'stuck'; previous: Extract<PreviousRun, { kind: 'stuck' }>; waitedMs: number };

type Attempt =
  | { got: true; lock: HeldLock; previous: PreviousRun }
  | { got: false; previous: PreviousRun; overdueFd?: undefined }
  /** We hold the flock over an orphan past its deadline: end it before deciding. */
  | { got: false; previous: PreviousRun; overdueFd: number };

/**
 * One try: take the flock if free, then judge the record. An orphaned or stuck job keeps the job busy.
 * The fd is ours until it is closed or handed on (to the held lock or as the overdue fd): a throw
 * before that closes it, so a failing try never leaks a descriptor.
 */
function attempt(o: TakeLockOptions, paths: ReturnType<typeof jobPaths>, fd = openLockFile(paths.lock), lockedAlready = false): Attempt {
  let owned = true;
  const letGo = (): void => {
    owned = false;
    closeFd(fd);
  };
  try {
    const got = lockedAlready || tryFlock(fd, paths.lock);
    // The lock file was unlinked (lock folder removed) between our open and our flock: lock the new one.
    if (got && !stillNamed(fd, paths.lock)) {
      letGo();
      return attempt(o, paths);
    }
    const read = readRecord(paths.record);
    const previous = judgePrevious(read, { lockHeldByOther: !got, bootId: o.bootId, now: o.now(), stuckAfterMs: o.stuckAfterMs, roots: o.roots });
    if (got && (previous.kind === 'none' || previous.kind === 'stale')) {
      if (previous.kind === 'stale') {
        const aside = read.kind === 'corrupt' ? setAsideRecord(paths.record) : undefined;
        o.onEvent?.('reclaimed', { reason: previous.reason, previous: previous.record ?? undefined, excerpt: previous.excerpt, setAside: aside });
      }
      const lock = new HeldLock(o.name, paths, fd);
      owned = false;
      return { got: true, lock, previous };
    }
    if (got && isOrphanPastDeadline(previous, o.now(), o.killAfterMs)) {
      owned = false;
      return { got: false, previous, overdueFd: fd };
    }
    // We hold the flock over an orphaned job: carry its evidence forward so later ticks can call it stuck.
    if (got && previous.kind !== 'none' && previous.kind !== 'stale' && previous.record) {
      tryWrite(paths.record, { ...previous.record, evidence: previous.evidence, updatedAt: o.now() });
    }
    letGo();
    return { got: false, previous };
  } catch (error) {
    if (owned) closeFd(fd);
    throw error;
  }
}

/** Open the lock file and wait for its flock; the fd when locked, undefined (fd closed) when not. Never leaks it on a throw. */
async function waitForLock(path: string, ms: number, signal?: AbortSignal): Promise<number | undefined> {
  const fd = openLockFile(path);
  let got = false;
  try {
    got = await waitFlock(fd, path, ms, signal);
  } finally {
    if (!got) closeFd(fd);
  }
  return got ? fd : undefined;
}

/** Evidence is a courtesy to later ticks: a full or missing folder must not fail this one. */
function tryWrite(path: string, record: Parameters<typeof writeRecord>[1]): void {
  try {
    writeRecord(path, record);
  } catch {
    // Reported by whichever run next writes a record it needs.
  }
}

/**
 * An orphan outlived its deadline and the grace after it: its wrapper is gone, so nobody else will
 * end it. Terminate its group with its own run's policy (holding the flock, so no one starts
 * meanwhile), say so, then judge again: normally it is now stale and the job is ours.
 */
async function endOverdue(o: TakeLockOptions, paths: ReturnType<typeof jobPaths>, a: Attempt): Promise<Attempt> {
  if (a.got || a.overdueFd === undefined || a.previous.kind !== 'running' || !a.previous.record?.job) return a;
  const fd = a.overdueFd;
  const record = a.previous.record;
  const policy = recordedPolicy(record, o.killAfterMs);
  o.report?.(overdueLine(o.name, record, policy, o.now()));
  o.onEvent?.('overdue', { holder: record.wrapper, holderJob: record.job, deadline: record.deadline, signal: policy.signal, killAfterMs: policy.graceMs });
  let ended: Awaited<ReturnType<typeof terminateRecorded>>;
  try {
    ended = await terminateRecorded(o, record, true, policy);
  } catch (error) {
    closeFd(fd);
    throw error;
  }
  if (ended.kind === 'stuck') {
    tryWrite(paths.record, stuckRecord(record, ended.previous.evidence, o.now()));
    closeFd(fd);
    return { got: false, previous: ended.previous };
  }
  return attempt(o, paths, fd, true);
}

/** Take the job's lock, or say why not: the previous run is busy, stuck, or the wait ran out. */
export async function takeJobLock(o: TakeLockOptions): Promise<LockOutcome> {
  const paths = jobPaths(o.lockDir, o.name);
  const started = o.now();
  const waited = (): number => o.now() - started;
  let a = await endOverdue(o, paths, attempt(o, paths));
  if (a.got) return { kind: 'acquired', lock: a.lock, previous: a.previous, waitedMs: 0 };
  if (a.previous.kind === 'stuck') return { kind: 'stuck', previous: a.previous, waitedMs: 0 };
  if (o.onBusy === 'skip') return { kind: 'busy', previous: a.previous, reason: 'running', waitedMs: 0 };
  if (o.onBusy === 'replace') {
    const replaced = await replacePrevious(o, a.previous);
    if (replaced.kind === 'stuck') return { kind: 'stuck', previous: replaced.previous, waitedMs: waited() };
    a = await endOverdue(o, paths, attempt(o, paths));
    if (!a.got) {
      const fd = await waitForLock(paths.lock, o.killAfterMs + 10_000, o.signal);
      a = fd !== undefined ? await endOverdue(o, paths, attempt(o, paths, fd, true)) : { got: false, previous: a.previous };
    }
    if (a.got) return { kind: 'acquired', lock: a.lock, previous: a.previous, waitedMs: waited() };
    if (a.previous.kind === 'stuck') return { kind: 'stuck', previous: a.previous, waitedMs: waited() };
    return { kind: 'busy', previous: a.previous, reason: o.signal?.aborted ? 'interrupted' : 'running', waitedMs: waited() };
  }
  // wait: at most one waiter per job, or the waiters become the pile-up.
  const waitFd = await takeWaiterFile(paths.wait, o.now() < started + o.waitMs ? Math.min(WAITER_HANDOVER_MS, started + o.waitMs - o.now()) : 0);
  if (waitFd === undefined) return { kind: 'busy', previous: a.previous, reason: 'another-waiter', waitedMs: 0 };
  let waiterFd: number | undefined = waitFd;
  // The waiter file goes the moment the lock is ours: from then on we are the holder, not a waiter.
  const leaveWaiterFile = (): void => {
    if (waiterFd === undefined) return;
    try {
      ftruncateSync(waiterFd, 0);
    } catch {
      // The waiter file's content is a courtesy for status.
    }
    closeFd(waiterFd);
    waiterFd = undefined;
  };
  try {
    try {
      ftruncateSync(waitFd, 0);
      writeSync(waitFd, JSON.stringify({ ...(o.self ?? selfIdentity(o.roots)), since: started, argv: o.argv }), 0);
    } catch {
      // Full folder: status will not show the waiter, the wait itself still works.
    }
    o.onEvent?.('waiting', { waitMs: o.waitMs, holder: a.previous.kind === 'running' ? a.previous.record?.wrapper : undefined });
    for (;;) {
      const remaining = started + o.waitMs - o.now();
      if (o.signal?.aborted) return { kind: 'busy', previous: a.previous, reason: 'interrupted', waitedMs: waited() };
      if (remaining <= 0) return { kind: 'busy', previous: a.previous, reason: 'wait-expired', waitedMs: waited() };
      const orphaned = a.previous.kind === 'running' && a.previous.orphaned;
      if (orphaned) {
        // No wrapper to release the flock when the orphan ends: poll.
        await new Promise((r) => setTimeout(r, Math.min(1000, remaining)));
        a = await endOverdue(o, paths, attempt(o, paths));
      } else {
        const fd = await waitForLock(paths.lock, remaining, o.signal);
        if (fd !== undefined) {
          leaveWaiterFile();
          a = await endOverdue(o, paths, attempt(o, paths, fd, true));
        }
      }
      if (a.got) return { kind: 'acquired', lock: a.lock, previous: a.previous, waitedMs: waited() };
      if (a.previous.kind === 'stuck') return { kind: 'stuck', previous: a.previous, waitedMs: waited() };
    }
  } finally {
    leaveWaiterFile();
  }
}

/**
 * How long a would-be waiter waits for a busy waiter file before calling it taken. The one waiter
 * leaves its waiter file right after it gets the lock, but not in the same instant: a contender that
 * looks in between would see "another invocation is already waiting" while nobody waits. Waiting
 * this long for the waiter file makes that exact: a real waiter keeps it far longer, a new holder hands
 * it over within milliseconds.
 */
const WAITER_HANDOVER_MS = 1000;

async function takeWaiterFile(path: string, handoverMs: number): Promise<number | undefined> {
  const fd = openLockFile(path);
  let got = false;
  try {
    got = tryFlock(fd, path) || (handoverMs > 0 && (await waitFlock(fd, path, handoverMs)));
  } finally {
    if (!got) closeFd(fd);
  }
  return got ? fd : undefined;
}
