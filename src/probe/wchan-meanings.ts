/**
 * What a D-state task's wchan usually means, for the people reading `ioguard check`.
 * Exact names first, then prefixes (`fuse_`, `nfs_`); compiler suffixes like `.isra.0` are ignored.
 */
const EXACT: Record<string, string> = {
  balance_dirty_pages: 'dirty-page throttling: the writer waits for writeback to catch up',
  jbd2_log_wait_commit: 'waiting for an ext4 journal commit',
  jbd2_journal_commit_transaction: 'ext4 journal commit in progress',
  add_transaction_credits: 'ext4 journal full: waiting for room in the running transaction',
  wait_transaction_locked: 'ext4 journal: waiting for the locked transaction to commit',
  io_schedule: 'waiting on the block queue for I/O to complete',
  blk_mq_get_tag: 'block queue full: waiting for a free request tag',
  rq_qos_wait: 'held back by block-layer QoS (writeback throttling or cgroup limits)',
  blkcg_maybe_throttle_current: 'held back by a cgroup I/O limit',
  iomap_dio_rw: 'waiting for direct I/O to complete',
  submit_bio_wait: 'waiting for a block I/O (often a flush) to complete',
  blkdev_issue_flush: 'waiting for the disk to flush its cache',
  wb_wait_for_completion: 'sync/syncfs waiting for writeback of dirty pages',
  request_wait_answer: 'FUSE: the filesystem daemon is not answering',
  rpc_wait_bit_killable: 'NFS/RPC: waiting for the server',
  percpu_rwsem_wait: 'frozen filesystem (fsfreeze or snapshot in progress)',
  kernel_clone: 'vfork parent waiting for its child to exec or exit (not I/O)',
  do_vfork: 'vfork parent waiting for its child to exec or exit (not I/O)',
  mutex_lock: 'waiting for a kernel lock: what holds it matters',
  msleep: 'a driver sleeping uninterruptibly',
  refrigerator: 'frozen by a cgroup freezer (or the system is suspending): not waiting on I/O',
};

/** Waits that are interruptible (S) by nature: a task shown in D there is frozen by the cgroup freezer. */
const FROZEN = 'normally an interruptible wait: in D the task is most likely frozen (cgroup freezer)';
const INTERRUPTIBLE = ['hrtimer_nanosleep', 'do_nanosleep', 'futex_wait_queue', 'futex_wait_queue_me', 'do_sigtimedwait', 'sigsuspend', 'ep_poll', 'do_select', 'do_sys_poll', 'pipe_read', 'pipe_write', 'do_wait', 'unix_stream_read_generic', 'wait_woken', 'sk_wait_data', 'inet_csk_accept'];
for (const name of INTERRUPTIBLE) EXACT[name] = FROZEN;

/**
 * D-state waits that are no I/O wait: a task frozen by a cgroup v1 freezer (shown in D, in
 * `__refrigerator` or still at its interruptible wait), and a vfork parent waiting for its child
 * to exec (for as long as the child is frozen, when the freezer caught the child first).
 */
const NOT_IO = new Set([...INTERRUPTIBLE, 'refrigerator', 'kernel_clone', 'do_vfork', 'wait_for_vfork_done']);

const PREFIXES: ReadonlyArray<[string, string]> = [
  ['folio_wait_bit', 'waiting for page I/O (read-in or writeback of a page)'],
  ['wait_on_page_bit', 'waiting for page I/O (read-in or writeback of a page)'],
  ['fuse_', 'FUSE: the filesystem daemon is not answering'],
  ['nfs_', 'NFS: waiting for the server'],
  ['rwsem_down_', 'waiting for a kernel lock: what holds it matters'],
  ['mutex_lock', 'waiting for a kernel lock: what holds it matters'],
  ['jbd2_', 'ext4 journal'],
  ['xfs_log_', 'XFS log: waiting for log space or a log flush'],
];

/** The function name without compiler suffixes (`.isra.0`) and leading underscores. */
const baseName = (wchan: string): string => wchan.replace(/\.(isra|constprop|part|cold)\.\d+.*$/, '').replace(/^_+/, '');

/**
 * Whether a D-state task waits on I/O (or on something that may be I/O: an unknown or hidden
 * wchan counts). False for frozen tasks and vfork parents: ioguard's own paused jobs must not
 * look like a neighbour suffering, nor count against `--max-blocked`.
 */
export function waitsOnIo(wchan: string | undefined): boolean {
  return wchan === undefined || !NOT_IO.has(baseName(wchan));
}

export function describeWchan(wchan: string | undefined): string | undefined {
  if (wchan === undefined) return undefined;
  const name = baseName(wchan);
  const exact = EXACT[name];
  if (exact !== undefined) return exact;
  for (const [prefix, meaning] of PREFIXES) if (name.startsWith(prefix)) return meaning;
  return undefined;
}
