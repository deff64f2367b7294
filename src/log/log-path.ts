import { homedir } from 'node:os';
import { join } from 'node:path';
import { invalidOption } from '../errors/ioguard-error.ts';

/** Default log file: a state folder, so cron does not mail routine lines. */
export function defaultLogFile(env: NodeJS.ProcessEnv, uid: number): string {
  if (env.IOGUARD_LOG_FILE) {
    // "-" would otherwise become a file named "-" in the working folder; stderr has a real name.
    if (env.IOGUARD_LOG_FILE === '-') throw invalidOption('IOGUARD_LOG_FILE', '-', 'a log file path (for no log: --log-file -; for stderr: /dev/stderr)');
    return env.IOGUARD_LOG_FILE;
  }
  if (uid === 0) return '/var/log/ioguard/ioguard.log';
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(state, 'ioguard', 'ioguard.log');
}

/** The file a run logs to: the option, else the default; "-" is refused (false means no log). */
export function resolveLogFile(option: string | undefined, env: NodeJS.ProcessEnv, uid: number): string {
  if (option === '-') throw invalidOption('logFile', '-', 'a log file path (for no log: false; for stderr: "/dev/stderr")');
  return option ?? defaultLogFile(env, uid);
}
