/**
 * Neighbours that wait for their writes to be durable: an `fsync`, `fdatasync` or `O_SYNC` write
 * that sleeps on its pages' writeback, on a journal commit, or on a cache flush. The backlog bound
 * limits the job's dirty pages, not what such a wait carries: on ext4 (data=ordered) a commit
 * takes along the metadata of every file the job created since the last one, and on a throttled
 * queue the flush waits for everything queued before it. A neighbour seen there look after look
 * is a committer the bound cannot shield (bench:incident (a): 7 commits/s against 367 alone).
 */

/**
 * `/proc/PID/task/TID/wchan` of a thread in such a wait, across kernels: the folio names from
 * 5.16, the page names before; ext4/jbd2, XFS and btrfs commits; a bio waited for (a flush).
 */
export const SYNC_WAIT_WCHANS: ReadonlySet<string> = new Set([
  'folio_wait_bit',
  'folio_wait_bit_common',
  'folio_wait_writeback',
  'wait_on_page_bit',
  'wait_on_page_bit_common',
  'wait_on_page_writeback',
  'filemap_fdatawait_range',
  '__filemap_fdatawait_range',
  'file_write_and_wait_range',
  'jbd2_log_wait_commit',
  'jbd2_complete_transaction',
  'xlog_wait_on_iclog',
  'xlog_wait',
  'xfs_log_force_seq',
  'btrfs_wait_ordered_range',
  'wait_for_commit',
  'submit_bio_wait',
  'blkdev_issue_flush',
]);

export function isSyncWait(wchan: string | undefined): boolean {
  return wchan !== undefined && SYNC_WAIT_WCHANS.has(wchan);
}

export interface SyncWaiter {
  pid: number;
  comm: string;
  wchan: string | undefined;
  /** Its read and write calls so far (/proc/PID/io syscr + syscw); undefined when unreadable. */
  calls?: number | undefined;
}

/** A neighbour seen in a sync wait look after look, and its progress meanwhile. */
export interface HeldWaiter {
  waiter: SyncWaiter;
  looks: number;
  /** Its read and write calls per second over the looks: what a hold must raise to be worth it. */
  callsPerSecond: number | undefined;
}

/**
 * Streaks over consecutive looks. `look()` takes the neighbours in a sync wait now and returns
 * the one seen in `looksToHold` looks in a row, if any (one passing commit is not a committer),
 * with its calls per second over the streak; `quietLooks` counts the looks in a row that found
 * none. Pure: the caller reads /proc.
 */
export class SyncWaitWatch {
  private streaks = new Map<number, { looks: number; since: number; calls: number | undefined }>();
  quietLooks = 0;
  readonly looksToHold: number;

  constructor(looksToHold: number) {
    this.looksToHold = looksToHold;
  }

  look(waiters: readonly SyncWaiter[], t: number): HeldWaiter | undefined {
    const next = new Map<number, { looks: number; since: number; calls: number | undefined }>();
    let held: HeldWaiter | undefined;
    for (const w of waiters) {
      if (next.has(w.pid)) continue;
      const was = this.streaks.get(w.pid);
      const streak = was ? { ...was, looks: was.looks + 1 } : { looks: 1, since: t, calls: w.calls };
      next.set(w.pid, streak);
      if (streak.looks < this.looksToHold || (held !== undefined && streak.looks <= held.looks)) continue;
      held = { waiter: w, looks: streak.looks, callsPerSecond: callsPerSecond(streak.calls, w.calls, t - streak.since) };
    }
    this.streaks = next;
    this.quietLooks = waiters.length === 0 ? this.quietLooks + 1 : 0;
    return held;
  }

  reset(): void {
    this.streaks.clear();
    this.quietLooks = 0;
  }
}

/** Calls per second between two readings `ms` apart; undefined without both readings or time. */
export function callsPerSecond(from: number | undefined, to: number | undefined, ms: number): number | undefined {
  return from === undefined || to === undefined || ms <= 0 ? undefined : ((to - from) * 1000) / ms;
}

/**
 * Did holding the job relieve the waiter? Its calls per second while the job is held against
 * before: a committer the job slowed commits far faster (bench:incident (a): ~7/s -> ~360/s), a
 * neighbour that waits behind someone else does not (a probe behind a direct-I/O stream: the
 * same ~7/s). Unknown rates count as relief: the hold then ends as it would without the check.
 */
export function relieved(before: number | undefined, during: number | undefined, ratio: number): boolean {
  return before === undefined || during === undefined || during >= before * ratio;
}
