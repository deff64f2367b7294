/** One line of /proc/PID/stat (or /proc/PID/task/TID/stat), typed. */
export interface PidStat {
  pid: number;
  /** The command name; may contain spaces, parentheses and newlines. */
  comm: string;
  /** R, S, D, Z, T, t, I, X, W, P, K. */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** Clock ticks of user and system CPU time. */
  utime: number;
  stime: number;
  threads: number;
  /** Clock ticks since boot at which the process started: with pid, its identity within one boot. */
  starttime: number;
  /** Resident set size in pages. */
  rssPages: number;
}

/**
 * Parse /proc/PID/stat. The comm sits between the first `(` and the LAST `)`, so a name like
 * `a) (b` cannot shift the fields. Returns undefined for text that is not a stat line.
 */
export function parsePidStat(text: string): PidStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 1 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields after the comm start at field 3 (state); index 0 here is field 3.
  const rest = text.slice(close + 1).trim().split(/\s+/);
  if (!Number.isInteger(pid) || rest.length < 22) return undefined;
  const field = (n: number): number => Number(rest[n - 3]);
  const stat: PidStat = {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0] ?? '?',
    ppid: field(4),
    pgrp: field(5),
    session: field(6),
    utime: field(14),
    stime: field(15),
    threads: field(20),
    starttime: field(22),
    rssPages: field(24),
  };
  return Number.isFinite(stat.starttime) && Number.isFinite(stat.pgrp) ? stat : undefined;
}
