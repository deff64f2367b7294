import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { IoguardError } from '../errors/ioguard-error.ts';
import { isOrphanPastDeadline, judgePrevious } from '../lock/judge.ts';
import { jobPaths, resolveLockDir } from '../lock/lock-dir.ts';
import { readRecord, type RunRecord } from '../lock/record.ts';
import { readSmallFile } from '../util/read-small-file.ts';
import { readBootId } from '../proc/boot-id.ts';
import { indexByGroup, isSameProcessAlive, scanProcesses, type ProcessSample } from '../proc/processes.ts';
import { readProcFile } from '../proc/read-file.ts';
import { resolveRoots, type ProcRoots } from '../proc/roots.ts';
import { cpuReading, measureUsage, type CpuReading } from './usage.ts';
import { boundLedgerDir, listBounds } from '../govern/backlog-bound.ts';
import { boundInForce, type BoundLedger } from '../govern/bound-ledger.ts';
import { ranPercent } from '../govern/pace.ts';
import { readJitterWaits, type JitterWait } from '../jitter/jitter-wait.ts';
import { formatDuration } from '../util/duration.ts';

export type JobState = 'running' | 'deferring' | 'waiting-slot' | 'paused' | 'waiting' | 'jittering' | 'stuck' | 'orphaned' | 'overdue' | 'stale';

/** One row of `ioguard status`; field names are stable (the --json output). */
export interface JobStatus {
  name: string;
  state: JobState;
  phase: string | null;
  wrapperPid: number | null;
  jobPid: number | null;
  /** State letter of the job's most telling process (D first, then the leader). */
  procState: string | null;
  wchan: string | null;
  ageSeconds: number | null;
  /** Seconds since any counter of the job's processes last changed. */
  lastProgressSeconds: number | null;
  /** CPU% of the job's processes over a short window measured by status (100 = one core). */
  cpuPercent: number | null;
  /** Resident memory of the job's processes (VmRSS, summed). */
  memoryBytes: number | null;
  command: string;
  argv: string[];
  startedAt: string | null;
  deadline: string | null;
  processes: Array<{ pid: number; comm: string; state: string; wchan: string | null; cpuPercent?: number | null; memoryBytes?: number | null }>;
  /** Why the row is stale or what was wrong with the record. */
  note: string | null;
  /** What holds the run back (deferring, waiting for a slot) or pauses it: `io some 74% (limit 30%)`. */
  holding: string[];
  /** When the hold began and when the run gives up (ISO); null when not held. */
  holdingSince: string | null;
  giveUpAt: string | null;
  /** Governed runs: percent of the last minute the job ran, not paused by the governor; null when not governed. */
  ranPercent: number | null;
  /** The dirty + writeback bounds this run holds (--bound-backlog): device MAJ:MIN and the bound in force. */
  backlogBound: Array<{ device: string; bytes: number }>;
}

export interface ListJobsOptions {
  lockDir?: string;
  /** Only this job. */
  name?: string;
  stuckAfterMs?: number;
  procRoot?: string;
  now?: () => number;
  /** Measure CPU% (over a 150 ms window, overlapped with the rest of the work) and memory. Default true. */
  usage?: boolean;
}

/** What `ioguard status` shows, as data. Reads records and /proc; never changes a record. */
export async function listJobs(options: ListJobsOptions = {}): Promise<JobStatus[]> {
  const roots = resolveRoots(options.procRoot ? { procRoot: options.procRoot } : {});
  const now = (options.now ?? Date.now)();
  const dir = resolveLockDir(options.lockDir, { env: process.env, uid: process.getuid?.() ?? 0 });
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch (error) {
    // No folder yet means no jobs; a folder we cannot read must not pass for an empty one.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    throw new IoguardError('ERR_LOCK_DIR', `lock folder ${dir}: cannot read it (${code ?? String(error)})`, { cause: error });
  }
  const bootId = readBootId(roots);
  const jittering = readJitterWaits(dir, files, bootId, roots);
  let names = [...new Set([...files.filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)), ...jittering.map((w) => w.name)])];
  if (options.name !== undefined) names = names.filter((n) => n === options.name);
  const scanStart = performance.now();
  const stats = scanProcesses(roots);
  const first = cpuReading(stats, scanStart, performance.now());
  const groups = indexByGroup(stats);
  const bounds = listBounds(boundLedgerDir(roots.runRoot));
  const rows: JobStatus[] = [];
  for (const name of names.sort()) {
    const paths = jobPaths(dir, name);
    for (const w of jittering.filter((j) => j.name === name)) rows.push(jitterRow(w, now));
    const read = readRecord(paths.record);
    if (read.kind === 'missing') continue;
    if (read.kind === 'corrupt') {
      rows.push(blankRow(name, 'stale', `record unreadable: ${read.problem}`));
      continue;
    }
    const r = read.record;
    const wrapperAlive = r.bootId === bootId && isSameProcessAlive(r.wrapper.pid, r.wrapper.starttime, roots);
    const previous = judgePrevious(read, { lockHeldByOther: wrapperAlive, bootId, now, stuckAfterMs: options.stuckAfterMs ?? 300_000, roots, groups });
    const row = recordRow(r, now);
    if (previous.kind === 'stale') {
      rows.push({ ...row, state: 'stale', note: previous.reason });
    } else if (previous.kind === 'running' || previous.kind === 'stuck') {
      fillProcesses(row, previous.processes, previous.kind === 'stuck' ? previous.culprit.pid : undefined);
      const held = r.phase === 'deferring' || r.phase === 'waiting-slot' ? r.phase : r.hold?.kind === 'paused' ? 'paused' : 'running';
      row.state = previous.kind === 'stuck' ? 'stuck' : !wrapperAlive ? (isOrphanPastDeadline(previous, now, 30_000) ? 'overdue' : 'orphaned') : held;
      if (row.state === 'overdue') row.note = 'orphaned past its deadline; the next start ends it';
      if (r.hold && wrapperAlive) {
        row.holding = r.hold.signals;
        row.holdingSince = new Date(r.hold.since).toISOString();
        row.giveUpAt = r.hold.giveUpAt === null ? null : new Date(r.hold.giveUpAt).toISOString();
        const what = r.hold.kind === 'paused' ? 'paused for pressure' : r.hold.kind === 'slot' ? 'waiting for' : 'held by';
        const end = r.hold.then === 'run' ? 'starts paced at' : 'gives up at';
        row.note = `${what}: ${r.hold.signals.join(', ')}${r.hold.giveUpAt === null ? '' : `; ${end} ${row.giveUpAt}`}${typeof r.hold.lever === 'string' ? ` (${r.hold.lever})` : ''}`;
      }
      if (wrapperAlive && r.pacedAfterDeferral && !r.hold) row.note = 'deferred to --defer-max, then started paced (still under pressure)';
      if (wrapperAlive) {
        row.backlogBound = boundsOf(bounds, r);
        if (r.pausedSpans) row.ranPercent = ranPercent(r.startedAt, now, r.pausedSpans, r.hold?.kind === 'paused' ? r.hold.since : undefined);
      }
      if (previous.kind === 'stuck') row.note = previous.survivedKill ? 'survived SIGKILL' : `no progress since ${new Date(previous.culprit.unchangedSince).toISOString()}`;
      rows.push(row);
    }
    const waiter = readWaiter(paths.wait, roots);
    if (waiter) {
      const argv = waiter.argv ?? readCmdline(waiter.pid, roots);
      rows.push({ ...blankRow(name, 'waiting', 'waiting for the running job'), wrapperPid: waiter.pid, ageSeconds: Math.round((now - waiter.since) / 1000), command: argv.join(' '), argv });
    }
  }
  if (options.usage !== false) await addUsage(rows, first, roots);
  return rows;
}

/** A wrapper waiting out --jitter: no lock yet, so no record; its own small file says when it goes on. */
function jitterRow(w: JitterWait, now: number): JobStatus {
  const at = new Date(w.until).toISOString();
  return {
    ...blankRow(w.name, 'jittering', `waiting out --jitter ${formatDuration(w.windowMs)}; takes the lock at ${at}`),
    wrapperPid: w.pid,
    ageSeconds: Math.round((now - w.since) / 1000),
    command: w.argv.join(' '),
    argv: w.argv,
    holding: ['--jitter'],
    holdingSince: new Date(w.since).toISOString(),
  };
}

function blankRow(name: string, state: JobState, note: string | null): JobStatus {
  return {
    name, state, phase: null, wrapperPid: null, jobPid: null, procState: null, wchan: null, ageSeconds: null,
    lastProgressSeconds: null, cpuPercent: null, memoryBytes: null, command: '', argv: [], startedAt: null, deadline: null, processes: [], note,
    holding: [], holdingSince: null, giveUpAt: null, ranPercent: null, backlogBound: [],
  };
}

/** The bounds a live run holds: its wrapper is among the ledger's holders, with the bound the device has now. */
function boundsOf(ledgers: readonly BoundLedger[], r: RunRecord): JobStatus['backlogBound'] {
  return ledgers.flatMap((l) => {
    if (!l.holders.some((h) => h.job === r.name && h.pid === r.wrapper.pid && h.starttime === r.wrapper.starttime)) return [];
    const bytes = boundInForce(l.holders, l.saved);
    return bytes === undefined ? [] : [{ device: l.device, bytes }];
  });
}

function recordRow(r: RunRecord, now: number): JobStatus {
  return {
    ...blankRow(r.name, 'running', null),
    phase: r.phase,
    wrapperPid: r.wrapper.pid,
    jobPid: r.job?.pid ?? null,
    ageSeconds: Math.round((now - r.startedAt) / 1000),
    lastProgressSeconds: r.job ? Math.round((now - r.lastProgressAt) / 1000) : null,
    command: r.command ?? r.argv.join(' '),
    argv: r.argv,
    startedAt: new Date(r.startedAt).toISOString(),
    deadline: r.deadline === null ? null : new Date(r.deadline).toISOString(),
  };
}

function fillProcesses(row: JobStatus, processes: ProcessSample[], culprit: number | undefined): void {
  row.processes = processes.map((p) => ({ pid: p.pid, comm: p.comm, state: p.state, wchan: p.wchan ?? null }));
  const telling = processes.find((p) => p.pid === culprit) ?? processes.find((p) => p.state === 'D') ?? processes.find((p) => p.pid === row.jobPid) ?? processes[0];
  row.procState = telling?.state ?? null;
  row.wchan = telling?.wchan ?? null;
}

interface Waiter {
  pid: number;
  since: number;
  starttime?: number;
  /** The waiter's own command (wait files written before it was recorded have none). */
  argv?: string[];
}

function readWaiter(path: string, roots: { procRoot: string }): Waiter | undefined {
  try {
    const read = readSmallFile(path);
    const w = JSON.parse(read.kind === 'ok' ? read.text : '') as Waiter;
    const alive = w.starttime === undefined ? readProcFile(`${roots.procRoot}/${w.pid}/stat`) !== undefined : isSameProcessAlive(w.pid, w.starttime, roots);
    return alive ? { ...w, ...(Array.isArray(w.argv) ? { argv: w.argv.map(String) } : {}) } : undefined;
  } catch {
    return undefined;
  }
}

function readCmdline(pid: number, roots: { procRoot: string }): string[] {
  const text = readProcFile(`${roots.procRoot}/${pid}/cmdline`) ?? '';
  return text === '' ? [] : text.replace(/\0$/, '').split('\0');
}

const oneDecimal = (n: number | null): number | null => (n === null ? null : Math.round(n * 10) / 10);

async function addUsage(rows: JobStatus[], first: CpuReading, roots: Pick<ProcRoots, 'procRoot'>): Promise<void> {
  const pids = [...new Set(rows.flatMap((r) => r.processes.map((p) => p.pid)))];
  const usage = await measureUsage(pids, first, roots);
  for (const row of rows) {
    let cpu: number | null = null;
    let mem: number | null = null;
    for (const p of row.processes) {
      const u = usage.get(p.pid);
      p.cpuPercent = oneDecimal(u?.cpuPercent ?? null);
      p.memoryBytes = u?.memoryBytes ?? null;
      if (u?.cpuPercent != null) cpu = (cpu ?? 0) + u.cpuPercent;
      if (u?.memoryBytes != null) mem = (mem ?? 0) + u.memoryBytes;
    }
    row.cpuPercent = oneDecimal(cpu);
    row.memoryBytes = mem;
    // CPU used during status's own window is progress seen now; the record's figure is as old as
    // the supervisor's last sample, and guard() jobs have no supervisor at all.
    if (cpu !== null && cpu > 0 && row.lastProgressSeconds !== null) row.lastProgressSeconds = 0;
  }
}
