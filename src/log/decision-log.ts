import { openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { makeDir } from '../util/make-dir.ts';

/** Decisions ioguard logs, one JSON line each. */
export type DecisionEvent =
  | 'started'
  | 'skipped'
  | 'finished'
  | 'timed-out'
  | 'stuck'
  | 'survivors'
  | 'escalated'
  | 'reclaimed'
  | 'waiting'
  | 'replacing'
  | 'swept'
  | 'signal-forwarded'
  | 'deferred'
  | 'deferral-ended'
  | 'gate-passed'
  | 'gate-overridden'
  | 'starving'
  | 'slot-waiting'
  | 'slot-acquired'
  | 'paused'
  | 'resumed'
  | 'io-priority-ignored'
  | 'overdue'
  | 'record-failed'
  | 'history-failed'
  | 'fleet-acquired'
  | 'fleet-unavailable'
  | 'fleet-previous-unclean'
  | 'fleet-lost'
  | 'fleet-reacquired'
  | 'fleet-conflict'
  | 'fleet-adopted'
  | 'fleet-released';


export type DecisionLevel = 'info' | 'warn' | 'error';

export interface DecisionLog {
  log(level: DecisionLevel, event: DecisionEvent, message: string, fields?: Record<string, unknown>): void;
}

export const silentLog: DecisionLog = { log() {} };

/**
 * One JSON line per decision, written synchronously: an async writer lost every line when the
 * wrapper got SIGTERM. The line shape is pino's (level, time, pid, job, event, fields, msg), so
 * pino tooling still reads it; pino itself cost ~10 ms of every start (docs/decisions.md).
 * If the file cannot be opened the job still runs: the problem is returned once for the caller to
 * show, and decisions are dropped rather than the job's run.
 */
export function openDecisionLog(file: string, job: string): { log: DecisionLog; problem?: string } {
  let fd: number;
  try {
    makeDir(dirname(file), 0o755);
    fd = openSync(file, 'a');
  } catch (error) {
    return { log: silentLog, problem: `cannot write log file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); decisions are not logged` };
  }
  const bindings = `"pid":${process.pid},"job":${JSON.stringify(job)}`;
  return {
    log: {
      log(level, event, message, fields = {}) {
        try {
          const body = JSON.stringify({ event, ...fields, msg: message }, errorAsObject);
          writeAll(fd, `{"level":"${level}","time":"${new Date().toISOString()}",${bindings},${body.slice(1)}\n`);
        } catch {
          // A full disk must not take the job's exit status with it.
        }
      },
    },
  };
}

/** One write(2) per line: in O_APPEND mode, lines of concurrent wrappers never interleave. */
function writeAll(fd: number, line: string): void {
  const buffer = Buffer.from(line);
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(fd, buffer, offset);
}

function errorAsObject(_key: string, value: unknown): unknown {
  return value instanceof Error ? { type: value.name, message: value.message } : value;
}
