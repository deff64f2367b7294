import { join } from 'node:path';
import { isSameProcessAlive } from '../proc/processes.ts';
import type { ProcRoots } from '../proc/roots.ts';
import { readSmallFile } from '../util/read-small-file.ts';

/**
 * A wrapper waiting out --jitter before it takes the lock: one file per wrapper beside the locks
 * (several ticks of one job may wait at once), written by the jitter step, read by `status`.
 */
export interface JitterWait {
  name: string;
  pid: number;
  starttime: number;
  bootId: string;
  /** When the wait began and when it ends (epoch ms). */
  since: number;
  until: number;
  windowMs: number;
  argv: string[];
}

const SUFFIX = '.jitter';

export function jitterWaitPath(dir: string, name: string, pid: number): string {
  return join(dir, `${name}.${pid}${SUFFIX}`);
}

/**
 * The waits of live wrappers among the lock folder's `files`: a file left by a wrapper that died
 * (SIGKILL mid-wait) or from another boot is not shown; the next wait of the same job removes it.
 */
export function readJitterWaits(dir: string, files: readonly string[], bootId: string, roots: Pick<ProcRoots, 'procRoot'>): JitterWait[] {
  const waits: JitterWait[] = [];
  for (const file of files) {
    if (!file.endsWith(SUFFIX)) continue;
    const w = parseWait(dir, file);
    if (w && w.bootId === bootId && isSameProcessAlive(w.pid, w.starttime, roots)) waits.push(w);
  }
  return waits;
}

/** Files of `name`'s waits whose wrapper is gone (or from another boot), for the next wait of that job to remove. */
export function deadJitterWaits(dir: string, files: readonly string[], name: string, bootId: string, roots: Pick<ProcRoots, 'procRoot'>): string[] {
  return files
    .filter((f) => f.endsWith(SUFFIX) && f.slice(0, f.lastIndexOf('.', f.length - SUFFIX.length - 1)) === name)
    .filter((f) => {
      const w = parseWait(dir, f);
      // Only a wait this job wrote and whose wrapper is gone: anything planted is left for its owner.
      return w !== undefined && (w.bootId !== bootId || !isSameProcessAlive(w.pid, w.starttime, roots));
    })
    .map((f) => join(dir, f));
}

function parseWait(dir: string, file: string): JitterWait | undefined {
  const read = readSmallFile(join(dir, file));
  if (read.kind !== 'ok') return undefined;
  try {
    const w = JSON.parse(read.text) as JitterWait;
    const fine = typeof w.name === 'string' && Number.isInteger(w.pid) && Number.isInteger(w.starttime) && typeof w.bootId === 'string'
      && Number.isFinite(w.since) && Number.isFinite(w.until) && Array.isArray(w.argv);
    return fine ? { ...w, argv: w.argv.map(String) } : undefined;
  } catch {
    return undefined;
  }
}
