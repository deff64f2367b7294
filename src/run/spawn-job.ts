import { statSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { EXIT, SIGNAL_EXIT_BASE } from '../errors/exit-codes.ts';
import { signalNumber } from '../terminate/signal-group.ts';

export interface JobExit {
  /** The job's own exit code, null when a signal ended it or it never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** Spawn failure code (ENOENT, EACCES...), null when it started. */
  spawnError: string | null;
  /** Why it could not start, one line for a person (null when it started). */
  spawnReason: string | null;
  /** What `ioguard run` exits with for this ending. */
  status: number;
}

export interface SpawnedJob {
  /** Undefined when the command could not be started. */
  pid: number | undefined;
  /** The job's command line quoted for a shell, as execa's `escapedCommand`, for the log and `status`. */
  command: string;
  exited: Promise<JobExit>;
  /** Stop waiting for a leader that survived SIGKILL from keeping the event loop alive. */
  unref: () => void;
  /** The wrapper's end of the job's fd 3, with `latchPipe` (src/run/start-latch.ts). */
  latch?: Writable | null | undefined;
  /** The job's stdout and stderr pipes, with `stdio` asking for them (src/output). */
  stdout?: Readable | null | undefined;
  stderr?: Readable | null | undefined;
}

export interface SpawnOptions {
  cwd?: string | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Give the job a pipe on fd 3 (the start latch). */
  latchPipe?: boolean;
  /** The job's own argv when `argv` wraps it (the start latch's /bin/sh): shown and named in errors. */
  shown?: readonly string[];
  /** 'inherit' (the default: nothing passes through ioguard) or pipes for stdout and stderr (src/output/output-mode.ts). */
  stdio?: 'inherit' | ['inherit', 'pipe', 'pipe'] | undefined;
}

const NOT_EXECUTABLE = new Set(['EACCES', 'ENOEXEC', 'EISDIR', 'EPERM']);

/**
 * Start the job with execa, imported here (after the caller started the job's clock) so no other
 * path pays for it: an argv array, no shell of ours, its own session and process group
 * (`detached`), stdin, stdout and stderr passed straight through and nothing buffered (any amount
 * of output costs the wrapper no memory). No execa timeout or cleanup: the group kill, the
 * escalation and the sweep are ioguard's (src/terminate), because execa signals only the direct child.
 */
export async function spawnJob(argv: readonly string[], o: SpawnOptions): Promise<SpawnedJob> {
  const { execa } = await import('execa');
  const [file, ...args] = argv as [string, ...string[]];
  const shown = o.shown ?? argv;
  let command = quoteCommand(shown);
  const subprocess = execa(file, args, {
    stdio: o.latchPipe ? [...(o.stdio === undefined || o.stdio === 'inherit' ? (['inherit', 'inherit', 'inherit'] as const) : o.stdio), 'pipe'] : (o.stdio ?? 'inherit'),
    detached: true,
    buffer: false,
    reject: false,
    cleanup: false,
    // execa hands its quoted command line to a verbose function as the job starts; print nothing.
    // Behind the start latch that line names /bin/sh, so the job's own argv is quoted the same way.
    verbose: (_line: string, line: { type: string; escapedCommand: string }) => {
      if (line.type === 'command' && o.shown === undefined) command = line.escapedCommand;
      return undefined;
    },
    ...(o.cwd === undefined ? {} : { cwd: o.cwd }),
    ...(o.env === undefined ? {} : { env: o.env, extendEnv: false }),
  });
  const exited = subprocess.then((r): JobExit => {
    if (r.signal) return { exitCode: null, signal: r.signal, spawnError: null, spawnReason: null, status: SIGNAL_EXIT_BASE + signalNumber(r.signal) };
    if (r.exitCode !== undefined) return { exitCode: r.exitCode, signal: null, spawnError: null, spawnReason: null, status: r.exitCode };
    return spawnFailure(r.code ?? 'UNKNOWN', r.originalMessage ?? r.shortMessage ?? '', shown[0] ?? file, o.cwd);
  });
  const latch = o.latchPipe ? (subprocess.stdio[3] as Writable | null) : undefined;
  const stdout = subprocess.stdout as Readable | null;
  const stderr = subprocess.stderr as Readable | null;
  return { pid: subprocess.pid, command, exited, unref: () => subprocess.unref(), latch, stdout, stderr };
}

/**
 * A job that never ran: a missing working folder exits 125 (as `env -C` does: the wrapper could not
 * set up the run, the command itself was never looked for), not found 127, not executable 126.
 */
export function spawnFailure(code: string, detail: string, file: string, cwd: string | undefined): JobExit {
  const base = { exitCode: null, signal: null, spawnError: code };
  if (cwd !== undefined && !isFolder(cwd)) {
    return { ...base, spawnReason: `cannot start ${file}: working folder ${cwd} does not exist or is not a folder`, status: EXIT.internal };
  }
  if (code === 'ENOENT') return { ...base, spawnReason: `cannot start ${file}: command not found`, status: EXIT.notFound };
  if (NOT_EXECUTABLE.has(code)) return { ...base, spawnReason: `cannot start ${file}: not executable (${code})`, status: EXIT.notExecutable };
  return { ...base, spawnReason: `cannot start ${file}: ${detail.split('\n').at(-1) || code}`, status: EXIT.internal };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

// C0 and C1 control characters, escaped in the shown command line as execa does.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
const SHORT_ESCAPES: Record<string, string> = { '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** execa's escapedCommand rules: `[\w./-]+` bare, anything else in single quotes, control characters escaped. */
export function quoteCommand(argv: readonly string[]): string {
  return argv
    .map((arg) => arg.replace(CONTROL, (c) => SHORT_ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
    .map((arg) => (/^[\w./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`))
    .join(' ');
}
