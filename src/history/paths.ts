import { join } from 'node:path';

/**
 * A job's history files beside its lock: the append-only history, the lock that serializes
 * compactions (never the job lock: skippers must not wait), and the derived summary. No suffix
 * ends with another (.lock, .json, .wait), so two job names can never share a file.
 */
export function historyPaths(lockDir: string, name: string): { history: string; compactLock: string; summary: string } {
  return { history: join(lockDir, `${name}.history`), compactLock: join(lockDir, `${name}.history-lock`), summary: join(lockDir, `${name}.summary`) };
}

export const SUMMARY_SUFFIX = '.summary';
