import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { EXIT } from '../errors/exit-codes.ts';

/**
 * The job starts behind a latch (the start latch, not the pressure gate): `/bin/sh` reads one line
 * from fd 3 (a pipe to the wrapper) and only on "go" execs the command. `exec` keeps the shell's
 * pid, start time and process group, so the identity recorded before "go" is the job's own. If the
 * wrapper dies before it says go, the read sees end-of-file and the shell exits 125: the job never
 * runs a line of its own code while the record does not name it, so no later start can mistake a
 * live job for a stale record.
 * Cost: one exec of /bin/sh, about 1 ms (docs/locking.md).
 */
const SCRIPT = `IFS= read -r go <&3 && [ "$go" = go ] || exit ${EXIT.internal}; exec 3<&-; exec "$0" "$@"`;

/** Variables a shell exports to what it execs although its own environment lacked them (dash: PWD; bash: SHLVL, _). */
const SHELL_ADDED = ['PWD', 'OLDPWD', 'SHLVL', '_'] as const;

/**
 * The argv that runs `argv` behind the latch, with exactly the environment `env` the job was
 * given, as flock(1) and timeout(1) do: the latch's shell would add PWD (dash, bash) and SHLVL
 * (bash), so the exec goes through env(1) (one more exec, ~1 ms) that removes what the shell
 * added and restores what it rewrote.
 */
export function latchedArgv(argv: readonly string[], resolved: string | undefined, env: NodeJS.ProcessEnv = process.env): string[] {
  const [file, ...args] = argv as [string, ...string[]];
  // dash's exec has no `--`: a name starting with '-' goes by its resolved path instead.
  const command = file.startsWith('-') && resolved ? resolved : file;
  // env(1) would take a command name with '=' for an assignment: such a name keeps the plain exec.
  if (command.includes('=')) return ['/bin/sh', '-c', SCRIPT, command, ...args];
  const unset = SHELL_ADDED.filter((name) => env[name] === undefined).flatMap((name) => ['-u', name]);
  const restore = SHELL_ADDED.filter((name) => env[name] !== undefined).map((name) => `${name}=${env[name]}`);
  return ['/bin/sh', '-c', SCRIPT, '/usr/bin/env', ...unset, ...restore, command, ...args];
}

/** Let the job run: it execs as soon as it reads this. */
export function openLatch(pipe: Writable | null | undefined): void {
  if (!pipe) return;
  // The job may already be gone (killed from outside): a broken pipe here is not our failure.
  pipe.on('error', () => {});
  pipe.end('go\n');
}

/** Close the latch without "go": the shell exits 125 and the command never runs. */
export function closeLatch(pipe: Writable | null | undefined): void {
  if (!pipe) return;
  pipe.on('error', () => {});
  pipe.destroy();
}

export type Resolution = { ok: true; path: string } | { ok: false; code: 'ENOENT' | 'EACCES' | 'EISDIR' } | { ok: 'unknown' };

const DEFAULT_PATH = '/usr/local/bin:/usr/bin:/bin';

function check(path: string): Resolution {
  try {
    const st = statSync(path);
    if (st.isDirectory()) return { ok: false, code: 'EISDIR' };
    accessSync(path, constants.X_OK);
    return { ok: true, path };
  } catch (error) {
    return { ok: false, code: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'ENOENT' : 'EACCES' };
  }
}

/**
 * Find the command as execvp would (PATH from the job's environment, relative names from its
 * cwd), so that "command not found" and "not executable" are still told by ioguard itself (127,
 * 126) rather than by the latch's shell. 'unknown' when the cwd itself is unusable: the spawn says so.
 */
export function resolveCommand(file: string, o: { cwd?: string | undefined; env?: NodeJS.ProcessEnv | undefined }): Resolution {
  const cwd = o.cwd ?? process.cwd();
  if (o.cwd !== undefined) {
    try {
      if (!statSync(cwd).isDirectory()) return { ok: 'unknown' };
    } catch {
      return { ok: 'unknown' };
    }
  }
  if (file.includes('/')) return check(isAbsolute(file) ? file : resolve(cwd, file));
  const path = (o.env ?? process.env).PATH ?? DEFAULT_PATH;
  let denied: Resolution | undefined;
  for (const dir of path.split(delimiter)) {
    const r = check(resolve(cwd, dir || '.', file));
    if (r.ok === true) return r;
    if (r.ok === false && r.code !== 'ENOENT') denied ??= r;
  }
  return denied ?? { ok: false, code: 'ENOENT' };
}
