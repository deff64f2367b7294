import { closeSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
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
  | 'govern-lever'
  | 'backlog-bound'
  | 'backlog-restored'
  | 'backlog-resized'
  | 'backlog-released'
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
  | 'pause-left-to-bound'
  | 'io-priority-ignored'
  | 'overdue'
  | 'record-failed'
  | 'history-failed'
  | 'fleet-acquired'
  | 'fleet-unavailable'
  | 'fleet-previous-unclean'
  | 'fleet-lost'
  | 'fleet-lost-terminated'
  | 'fleet-reacquired'
  | 'fleet-conflict'
  | 'fleet-adopted'
  | 'fleet-released'
  | 'jitter'
  | 'ping'
  | 'output-failed';


export type DecisionLevel = 'info' | 'warn' | 'error';

export interface DecisionLog {
  log(level: DecisionLevel, event: DecisionEvent, message: string, fields?: Record<string, unknown>): void;
  /** Close the file: a library caller runs thousands of jobs in one process. Idempotent. */
  close(): void;
}

export const silentLog: DecisionLog = { log() {}, close() {} };

/** Keys every line has (pino's standard fields and ioguard's bindings); an event's field must not reuse one. */
export const LINE_KEYS = ['level', 'time', 'pid', 'hostname', 'job', 'event', 'msg'] as const;
const RESERVED = new Set<string>(LINE_KEYS);

/**
 * The decision log on pino: one JSON line per decision with pino's standard fields (numeric
 * `level`, `time` in epoch ms, `pid`, `hostname`, `msg`) and ioguard's (`job`, `event`, figures),
 * so `pino-pretty -L warn` and log shippers filter it. pino loads here, when a log is opened, not
 * at start-up. The destination is synchronous (an async one lost every line when the wrapper got
 * SIGTERM) on a descriptor opened here with O_APPEND, so a failure to open is known at once and
 * the descriptor is closed with the run. No transports: they start a worker thread and break in
 * the CLI bundle.
 * Nothing here stops the job: an unopenable file is returned as `problem`; a failing write (a full
 * disk) is reported once through `onWriteError`; pino's destination keeps the failed line and
 * writes it with the next write that succeeds, and what is still held when the run ends is dropped.
 */
export async function openDecisionLog(
  file: string,
  job: string,
  onWriteError: (line: string) => void = () => {},
): Promise<{ log: DecisionLog; problem?: string }> {
  let fd: number;
  try {
    if (file !== '/dev/stderr' && file !== '/dev/stdout') makeDir(dirname(file), 0o755);
    fd = openSync(file, 'a');
  } catch (error) {
    return { log: silentLog, problem: `cannot write log file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)}); decisions are not logged` };
  }
  const { default: pino } = await import('pino');
  const destination = pino.destination({ dest: fd, sync: true });
  let failing = false;
  // Without a listener a write error would throw out of logger.info() and end the wrapper.
  destination.on('error', (error: NodeJS.ErrnoException) => {
    if (failing) return;
    failing = true;
    onWriteError(`ioguard: log file ${file} is failing (${error.code ?? error.message}); the job goes on, its log lines are retried with the next write and dropped at exit`);
  });
  const logger = pino({ base: { pid: process.pid, hostname: hostname(), job } }, destination);
  let closed = false;
  return {
    log: {
      log(level, event, message, fields = {}) {
        if (closed) return;
        try {
          logger[level]({ event, ...ownFields(fields) }, message);
        } catch {
          // A log line is never worth the job's exit status.
        }
      },
      close() {
        if (closed) return;
        closed = true;
        // Nothing to flush: a sync destination writes each line at once, and holds lines only after
        // a write failed. Its flushSync() would add an fsync per run (a journal commit on a disk
        // that may be the struggling one) and retries a failing write forever (ENOSPC included).
        try {
          closeSync(fd);
        } catch {
          // already closed
        }
      },
    },
  };
}

/**
 * An event's fields, with keys that would repeat a line key renamed (`job` → `jobField`): pino
 * writes both copies and JSON parsers keep only the last one. Errors become {type, message}.
 */
function ownFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    out[RESERVED.has(key) ? `${key}Field` : key] = value instanceof Error ? { type: value.name, message: value.message } : value;
  }
  return out;
}
