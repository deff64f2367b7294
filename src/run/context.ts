import { hostname } from 'node:os';
import { takeJobLock, type LockOutcome } from '../lock/acquire.ts';
import { ensureLockDir, resolveLockDir } from '../lock/lock-dir.ts';
import type { RunRecord } from '../lock/record.ts';
import { openDecisionLog, silentLog, type DecisionEvent, type DecisionLevel, type DecisionLog } from '../log/decision-log.ts';
import { resolveLogFile } from '../log/log-path.ts';
import { readBootId } from '../proc/boot-id.ts';
import { resolveRoots, type ProcRoots } from '../proc/roots.ts';
import { selfIdentity, type SelfIdentity } from '../proc/self.ts';
import { Interrupts } from './interrupts.ts';
import type { NormalizedRunOptions } from './options.ts';
import type { RunOutcome, RunResult } from './result.ts';
import { SIGNAL_EXIT_BASE } from '../errors/exit-codes.ts';
import { signalNumber } from '../terminate/signal-group.ts';

/** What one guarded run (a command or a function) carries from lock to result. */
export interface RunContext {
  name: string;
  argv: readonly string[];
  o: NormalizedRunOptions;
  roots: ProcRoots;
  now: () => number;
  log: DecisionLog;
  report: (line: string, kind: 'alert' | 'info') => void;
  interrupts: Interrupts;
  lockDir: string;
  bootId: string;
  /** When this invocation began (its history line's `at`). */
  invokedAt: number;
  /** This process's pid and start time, read once from /proc/self/stat for the record, waiter file and history. */
  self: SelfIdentity;
  /** End of the run: close the decision log and stop listening for signals. */
  close: () => void;
}

/** Resolve and check the lock folder, open the decision log, start listening for signals. */
export async function createRunContext(name: string, argv: readonly string[], o: NormalizedRunOptions): Promise<RunContext> {
  const invokedAt = o.now();
  const uid = process.getuid?.() ?? 0;
  const lockDir = resolveLockDir(o.lockDir, { env: process.env, uid });
  ensureLockDir(lockDir, uid);
  const given = o.report;
  // A report is a courtesy: a broken stderr (EPIPE) or a throwing callback must not stop supervision.
  const report: RunContext['report'] = (line, kind) => {
    try {
      given?.(line, kind);
    } catch {
      // Nothing better to do with it; the decision log has the same facts.
    }
  };
  const opened = o.logFile === false ? { log: silentLog } : await openDecisionLog(resolveLogFile(o.logFile, process.env, uid), name, (line) => report(line, 'alert'));
  if (opened.problem) report(`ioguard: ${opened.problem}`, 'alert');
  const interrupts = new Interrupts(o.forwardSignals, o.signal);
  const roots = resolveRoots({ ...(o.procRoot ? { procRoot: o.procRoot } : {}), ...(o.sysRoot ? { sysRoot: o.sysRoot } : {}) });
  return {
    name,
    argv,
    o,
    roots,
    now: o.now,
    log: opened.log,
    report,
    interrupts,
    lockDir,
    bootId: readBootId(roots),
    invokedAt,
    self: selfIdentity(roots),
    close: () => {
      opened.log.close();
      interrupts.dispose();
    },
  };
}

export function takeLockFor(ctx: RunContext): Promise<LockOutcome> {
  const { o } = ctx;
  return takeJobLock({
    name: ctx.name,
    lockDir: ctx.lockDir,
    onBusy: o.onBusy,
    waitMs: o.waitMs,
    stuckAfterMs: o.stuckAfterMs,
    killAfterMs: o.killAfterMs,
    bootId: ctx.bootId,
    roots: ctx.roots,
    now: ctx.now,
    signal: ctx.interrupts.signal,
    argv: ctx.argv,
    self: ctx.self,
    onEvent: (event, fields) => ctx.log.log(event === 'overdue' ? 'warn' : 'info', event as DecisionEvent, event, fields),
    report: (line) => ctx.report(line, 'alert'),
  });
}

/** The record written as soon as the lock is ours: phase starting, no job yet. */
export function newRecord(ctx: RunContext): RunRecord {
  const t = ctx.now();
  return {
    version: 1,
    name: ctx.name,
    phase: 'starting',
    bootId: ctx.bootId,
    host: hostname(),
    wrapper: { ...ctx.self },
    job: null,
    argv: [...ctx.argv],
    startedAt: t,
    deadline: null,
    updatedAt: t,
    lastProgressAt: t,
    evidence: [],
    survivors: [],
    killSignal: ctx.o.killSignal,
    killAfterMs: ctx.o.killAfterMs,
  };
}

/** A signal (or an aborted AbortSignal) arrived before the start: fill `result` as skipped, 128+N. */
export function skippedByInterrupt(ctx: RunContext, result: RunResult): boolean {
  const signal = ctx.interrupts.received;
  if (!signal) return false;
  result.outcome = 'skipped';
  result.reason = `interrupted by ${signal} before start`;
  result.exitCode = SIGNAL_EXIT_BASE + signalNumber(signal);
  ctx.log.log('info', 'skipped', result.reason, { exitCode: result.exitCode });
  return true;
}

/** How a run that does not start ends: its result, the one line said, and its decision-log entry. */
export interface NotStarted {
  outcome: RunOutcome;
  reason: string;
  exitCode: number;
  /** The line said; default `ioguard: job "NAME" skipped: REASON`. */
  line?: string;
  kind?: 'alert' | 'info';
  level?: DecisionLevel;
  event?: DecisionEvent;
  fields: Record<string, unknown>;
}

/** Fill `result` for a run that does not start (a skip or a refusal) and say so, in one place for every step. */
export function notStarted(ctx: RunContext, result: RunResult, n: NotStarted): void {
  result.outcome = n.outcome;
  result.reason = n.reason;
  result.exitCode = n.exitCode;
  ctx.report(n.line ?? `ioguard: job "${ctx.name}" skipped: ${n.reason}`, n.kind ?? 'info');
  ctx.log.log(n.level ?? 'info', n.event ?? 'skipped', n.reason, n.fields);
}

/** A skip's status: 128+N when a signal ended the wait, else the skip exit code. */
export function skipStatus(ctx: RunContext, interrupted: boolean): number {
  const signal = ctx.interrupts.received;
  return interrupted && signal ? SIGNAL_EXIT_BASE + signalNumber(signal) : ctx.o.skipExitCode;
}
