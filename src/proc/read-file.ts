import { readFileSync } from 'node:fs';

/** Read a /proc or /sys file; undefined when it is gone or unreadable (processes vanish between reads). */
export function readProcFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
