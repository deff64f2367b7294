import { homedir } from 'node:os';
import { join } from 'node:path';

/** Default log file: a state folder, so cron does not mail routine lines. */
export function defaultLogFile(env: NodeJS.ProcessEnv, uid: number): string {
  if (env.IOGUARD_LOG_FILE) return env.IOGUARD_LOG_FILE;
  if (uid === 0) return '/var/log/ioguard/ioguard.log';
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(state, 'ioguard', 'ioguard.log');
}
