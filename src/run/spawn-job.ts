import { spawn, type ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { EXIT, SIGNAL_EXIT_BASE } from '../errors/exit-codes.ts';
import { signalNumber } from '../terminate/signal-group.ts';

export interface JobExit {
  /** The job's own exit code, null when a signal ended it or it never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Spawn failure code (ENOENT, EACCES...), null when it started. */
  spawnError: string | null;
  /** What `ioguard run` exits with for this ending. */
  status: number;
}

export interface SpawnedJob {
  /** Undefined when the command could not be started. */
  pid: number | undefined;
  exited: Promise<JobExit>;
  /** Stop waiting for a leader that survived SIGKILL from keeping the event loop alive. */
  unref: () => void;
  /** The wrapper's end of the job's fd 3, with `gatePipe` (src/run/start-gate.ts). */
  gate?: Writable | null | undefined;
}

const NOT_EXECUTABLE = new Set(['EACCES', 'ENOEXEC', 'EISDIR', 'EPERM']);

/**
 * Start the job as an argv array (never a shell string) in its own session and process group
 * (`detached`), with stdin, stdout and stderr passed straight through: nothing is buffered, so any
 * amount of output costs the wrapper no memory. Plain child_process: execa cost ~20 ms of startup
 * and everything it adds on top (group kill, escalation, sweep) is ours anyway (docs/decisions.md).
 */
export function spawnJob(argv: readonly string[], o: { cwd?: string | undefined; env?: NodeJS.ProcessEnv | undefined; gatePipe?: boolean }): SpawnedJob {
  const [file, ...args] = argv as [string, ...string[]];
  let child: ChildProcess;
  try {
    child = spawn(file, args, {
      stdio: o.gatePipe ? ['inherit', 'inherit', 'inherit', 'pipe'] : 'inherit',
      detached: true,
      ...(o.cwd === undefined ? {} : { cwd: o.cwd }),
      ...(o.env === undefined ? {} : { env: o.env }),
    });
  } catch (error) {
    // Node throws some exec failures (ENOEXEC, EISDIR...) at once and emits others (ENOENT, EACCES).
    return { pid: undefined, exited: Promise.resolve(notStarted(error)), unref: () => {} };
  }
  const started = child;
  const exited = new Promise<JobExit>((resolve) => {
    // A failed start emits 'error' and no 'exit'; once started, 'exit' is the only ending.
    started.on('error', (error) => {
      if (started.pid === undefined) resolve(notStarted(error));
    });
    started.once('exit', (exitCode, signal) => {
      if (signal) resolve({ exitCode: null, signal, spawnError: null, status: SIGNAL_EXIT_BASE + signalNumber(signal) });
      else resolve({ exitCode: exitCode ?? 0, signal: null, spawnError: null, status: exitCode ?? 0 });
    });
  });
  return { pid: started.pid, exited, unref: () => started.unref(), gate: o.gatePipe ? (started.stdio[3] as Writable | null) : undefined };
}

export function notStarted(error: unknown): JobExit {
  const code = (error as NodeJS.ErrnoException).code ?? 'UNKNOWN';
  const status = code === 'ENOENT' ? EXIT.notFound : NOT_EXECUTABLE.has(code) ? EXIT.notExecutable : EXIT.internal;
  return { exitCode: null, signal: null, spawnError: code, status };
}
