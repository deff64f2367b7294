import { execa } from 'execa';
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
}

const NOT_EXECUTABLE = new Set(['EACCES', 'ENOEXEC', 'EISDIR', 'EPERM']);

/**
 * Start the job as an argv array (never a shell string) in its own session and process group
 * (`detached`), with stdin, stdout and stderr passed straight through: nothing is buffered, so any
 * amount of output costs the wrapper no memory.
 */
export function spawnJob(argv: readonly string[], o: { cwd?: string | undefined; env?: NodeJS.ProcessEnv | undefined }): SpawnedJob {
  const [file, ...args] = argv as [string, ...string[]];
  const subprocess = execa(file, args, {
    stdio: 'inherit',
    detached: true,
    buffer: false,
    reject: false,
    cleanup: false,
    ...(o.cwd === undefined ? {} : { cwd: o.cwd }),
    ...(o.env === undefined ? {} : { env: o.env, extendEnv: false }),
  });
  const exited = subprocess.then((r): JobExit => {
    const code = (r as { code?: string }).code;
    if (r.exitCode === undefined && r.signal === undefined && code) {
      const status = code === 'ENOENT' ? EXIT.notFound : NOT_EXECUTABLE.has(code) ? EXIT.notExecutable : EXIT.internal;
      return { exitCode: null, signal: null, spawnError: code, status };
    }
    if (r.signal) return { exitCode: null, signal: r.signal, spawnError: null, status: SIGNAL_EXIT_BASE + signalNumber(r.signal) };
    return { exitCode: r.exitCode ?? 0, signal: null, spawnError: null, status: r.exitCode ?? 0 };
  });
  return { pid: subprocess.pid, exited, unref: () => subprocess.unref() };
}
