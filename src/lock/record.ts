import { renameSync, unlinkSync } from 'node:fs';
import { IoguardError } from '../errors/ioguard-error.ts';
import { writeAtomically } from '../util/file-io.ts';
import { readSmallFile } from '../util/read-small-file.ts';

export interface ProcessIdentity {
  pid: number;
  /** Clock ticks since boot (/proc/PID/stat field 22): with pid, unique within one boot. */
  starttime: number;
}

/** What the live wrapper last saw of one process of its job; lets a later invocation judge "stuck" at once. */
export interface ProcessEvidence extends ProcessIdentity {
  comm: string;
  state: string;
  wchan: string | null;
  /** CPU ticks / context switches / I/O bytes; a change means progress. */
  signature: string;
  /** Epoch ms since which `signature` has not changed. */
  unchangedSince: number;
}

export type RunPhase = 'starting' | 'deferring' | 'waiting-slot' | 'running' | 'terminating' | 'stuck';

/** Why a run is held back before its start (pressure, a slot) or paused while it runs. */
export interface RunHold {
  kind: 'pressure' | 'slot' | 'paused';
  /** Epoch ms the hold began. */
  since: number;
  /** Epoch ms the run gives up (skips); null for a pause (bounded by the governor instead). */
  giveUpAt: number | null;
  /** Short reasons: `io some 74%`, `slot heavy (1 of 1 busy)`. */
  signals: string[];
  /** For a pause: how the job is held back (`stop`, `freeze`, `throttle`). */
  lever?: string;
  /** For a pressure deferral: what happens at `giveUpAt` (gate.deferThen): start paced, or skip. */
  then?: 'run' | 'skip';
}

/** The run record beside the lock, replaced atomically (write + rename). */
export interface RunRecord {
  version: 1;
  name: string;
  phase: RunPhase;
  bootId: string;
  host: string;
  wrapper: ProcessIdentity;
  /** The job's leader and its process group (pgid null: the job is a function inside the wrapper). */
  job: (ProcessIdentity & { pgid: number | null }) | null;
  argv: string[];
  /** The command line quoted for a shell (execa's escapedCommand), once the job started. */
  command?: string;
  startedAt: number;
  deadline: number | null;
  updatedAt: number;
  lastProgressAt: number;
  evidence: ProcessEvidence[];
  /** Processes that outlived SIGKILL; while any lives the job is refused with 76. */
  survivors: ProcessEvidence[];
  /** The run's termination policy, so a later start can end an orphan past its deadline the same way. */
  killSignal?: string;
  killAfterMs?: number;
  /** Set while the run defers, waits for a slot, or is paused for pressure. */
  hold?: RunHold | null;
  /** Deferred to --defer-max and started under pressure, paced (gate.deferThen 'run'). */
  pacedAfterDeferral?: boolean;
  /** Governed runs: the governor's pauses that ended in the last minute, [from, to] epoch ms (status's pace). */
  pausedSpans?: Array<[number, number]>;
}

export type RecordRead =
  | { kind: 'missing' }
  | { kind: 'ok'; record: RunRecord }
  | { kind: 'corrupt'; problem: string; excerpt: string };

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isIdentity = (v: unknown): v is ProcessIdentity =>
  typeof v === 'object' && v !== null && isInt((v as ProcessIdentity).pid) && isInt((v as ProcessIdentity).starttime);

const isSpan = (v: unknown): v is [number, number] => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number');

const isHold = (v: unknown): v is RunHold =>
  typeof v === 'object' && v !== null && typeof (v as RunHold).since === 'number' && Array.isArray((v as RunHold).signals);

/** Parse and check a record; anything off (truncated, garbage, wrong types) is reported, never thrown. */
export function parseRecord(text: string): RecordRead {
  const excerpt = text.slice(0, 200);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { kind: 'corrupt', problem: `not JSON (${(error as Error).message})`, excerpt };
  }
  const r = value as Partial<RunRecord>;
  if (typeof r !== 'object' || r === null) return { kind: 'corrupt', problem: 'not an object', excerpt };
  if (r.version !== 1) return { kind: 'corrupt', problem: `unknown version ${JSON.stringify(r.version)}`, excerpt };
  if (typeof r.bootId !== 'string' || !isIdentity(r.wrapper)) return { kind: 'corrupt', problem: 'no boot id or wrapper identity', excerpt };
  if (r.job !== null && !(isIdentity(r.job) && (r.job.pgid === null || isInt(r.job.pgid)))) {
    return { kind: 'corrupt', problem: 'job identity malformed', excerpt };
  }
  const list = (v: unknown): ProcessEvidence[] => (Array.isArray(v) ? v.filter(isIdentity) as ProcessEvidence[] : []);
  return {
    kind: 'ok',
    record: {
      version: 1,
      name: String(r.name ?? ''),
      phase: (r.phase ?? 'running') as RunPhase,
      bootId: r.bootId,
      host: String(r.host ?? ''),
      wrapper: r.wrapper,
      job: r.job ?? null,
      argv: Array.isArray(r.argv) ? r.argv.map(String) : [],
      ...(typeof r.command === 'string' ? { command: r.command } : {}),
      startedAt: Number(r.startedAt) || 0,
      deadline: isInt(r.deadline) ? r.deadline : null,
      updatedAt: Number(r.updatedAt) || 0,
      lastProgressAt: Number(r.lastProgressAt) || 0,
      evidence: list(r.evidence),
      survivors: list(r.survivors),
      ...(typeof r.killSignal === 'string' ? { killSignal: r.killSignal } : {}),
      ...(isInt(r.killAfterMs) && r.killAfterMs >= 0 ? { killAfterMs: r.killAfterMs } : {}),
      hold: isHold(r.hold) ? r.hold : null,
      ...(Array.isArray(r.pausedSpans) ? { pausedSpans: r.pausedSpans.filter(isSpan) } : {}),
      ...(r.pacedAfterDeferral === true ? { pacedAfterDeferral: true } : {}),
    },
  };
}

export function readRecord(path: string): RecordRead {
  const read = readSmallFile(path);
  if (read.kind === 'missing') return read;
  if (read.kind === 'bad') return { kind: 'corrupt', problem: read.problem, excerpt: '' };
  return parseRecord(read.text);
}

/** The record of a run some of whose processes survived SIGKILL: later starts refuse (76) while they live. */
export function stuckRecord(record: RunRecord, evidence: ProcessEvidence[], now: number): RunRecord {
  return { ...record, phase: 'stuck', survivors: evidence, evidence, updatedAt: now };
}

/**
 * Replace the record atomically: readers see the old or the new one, never half of either. On
 * failure (folder full or removed) the temporary file is removed and the error names the record.
 */
export function writeRecord(path: string, record: RunRecord): void {
  try {
    // A fresh temp name created exclusively (O_EXCL): a FIFO or symlink planted under a guessable
    // `<record>.<pid>.tmp` can neither hang the start nor redirect the write.
    writeAtomically(path, `${JSON.stringify(record)}\n`, 0o600);
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new IoguardError('ERR_LOCK_DIR', `cannot write run record ${path} (${e.code ?? e.message})`, { cause: error });
  }
}

export function removeRecord(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** Keep an unreadable record for the operator instead of destroying the evidence. */
export function setAsideRecord(path: string): string | undefined {
  const aside = `${path}.corrupt`;
  try {
    renameSync(path, aside);
    return aside;
  } catch {
    return undefined;
  }
}
