import { hostname } from 'node:os';
import { takeJobLock, type LockOutcome } from '../lock/acquire.ts';
import { ensureLockDir, resolveLockDir } from '../lock/lock-dir.ts';
import type { RunRecord } from '../lock/record.ts';
import { openDecisionLog, silentLog, type DecisionLog } from '../log/decision-log.ts';
import { defaultLogFile } from '../log/log-path.ts';
import { readBootId } from '../proc/boot-id.ts';
import { resolveRoots, type ProcRoots } from '../proc/roots.ts';
import { selfIdentity } from '../proc/self.ts';
import { Interrupts } from './interrupts.ts';
import type { NormalizedRunOptions, RunOptions } from './options.ts';

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
}

/** Resolve and check the lock folder, open the decision log, start listening for signals. */
export function createRunContext(name: string, argv: readonly string[], o: NormalizedRunOptions, options: RunOptions): RunContext {
  const invokedAt = (options.now ?? Date.now)();
  const uid = process.getuid?.() ?? 0;
  const lockDir = resolveLockDir(o.lockDir, { env: process.env, uid });
  ensureLockDir(lockDir, uid);
  const report = options.report ?? ((): void => {});
  const opened = o.logFile === false ? { log: silentLog } : openDecisionLog(o.logFile ?? defaultLogFile(process.env, uid), name);
  if (opened.problem) report(`ioguard: ${opened.problem}`, 'alert');
  const roots = resolveRoots({ ...(options.procRoot ? { procRoot: options.procRoot } : {}), ...(options.sysRoot ? { sysRoot: options.sysRoot } : {}) });
  return {
    name,
    argv,
    o,
    roots,
    now: options.now ?? Date.now,
    log: opened.log,
    report,
    interrupts: new Interrupts(options.forwardSignals ?? false, options.signal),
    lockDir,
    bootId: readBootId(roots),
    invokedAt,
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
    onEvent: (event, fields) => ctx.log.log('info', event as 'reclaimed', event, fields),
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
    wrapper: selfIdentity(ctx.roots),
    job: null,
    argv: [...ctx.argv],
    startedAt: t,
    deadline: null,
    updatedAt: t,
    lastProgressAt: t,
    evidence: [],
    survivors: [],
  };
}
