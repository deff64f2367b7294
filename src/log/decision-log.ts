import { dirname } from 'node:path';
import pino from 'pino';
import { makeDir } from '../util/make-dir.ts';

/** Decisions ioguard logs, one JSON line each. */
export type DecisionEvent =
  | 'started'
  | 'skipped'
  | 'finished'
  | 'timed-out'
  | 'stuck'
  | 'survivors'
  | 'reclaimed'
  | 'waiting'
  | 'replacing'
  | 'swept'
  | 'signal-forwarded'
  | 'deferred'
  | 'deferral-ended'
  | 'gate-passed'
  | 'gate-overridden'
  | 'io-priority-ignored'
  | 'log-error';

export type DecisionLevel = 'info' | 'warn' | 'error';

export interface DecisionLog {
  log(level: DecisionLevel, event: DecisionEvent, message: string, fields?: Record<string, unknown>): void;
}

export const silentLog: DecisionLog = { log() {} };

/**
 * One JSON line per decision through pino with a synchronous destination: an async one lost every
 * line when the wrapper got SIGTERM. If the file cannot be opened the job still runs: the problem
 * is returned once for the caller to show, and decisions are dropped rather than the job's run.
 */
export function openDecisionLog(file: string, job: string): { log: DecisionLog; problem?: string } {
  let destination;
  try {
    makeDir(dirname(file), 0o755);
    destination = pino.destination({ dest: file, sync: true });
  } catch (error) {
    return { log: silentLog, problem: `cannot write log file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); decisions are not logged` };
  }
  const logger = pino(
    {
      base: { pid: process.pid, job },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return {
    log: {
      log(level, event, message, fields = {}) {
        try {
          logger[level]({ event, ...fields }, message);
        } catch {
          // A full disk must not take the job's exit status with it.
        }
      },
    },
  };
}
