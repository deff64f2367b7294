import { isIoguardError } from '../errors/ioguard-error.ts';
import { defaultLogFile } from '../log/log-path.ts';

/** The decision log `run` writes to by default here (IOGUARD_LOG_FILE, else the per-user default). */
export function logFileHere(): string | null {
  try {
    return defaultLogFile(process.env, process.getuid?.() ?? 0);
  } catch (error) {
    if (isIoguardError(error)) return null;
    throw error;
  }
}

/** The line `status` and `check` end with, so the log is found where the jobs are looked at. */
export function logFileLine(file: string | null): string {
  return file === null ? 'Decision log: none (IOGUARD_LOG_FILE is "-", which run refuses)\n' : `Decision log: ${file} (run --log-file overrides it)\n`;
}
