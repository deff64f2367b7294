import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomically } from '../util/file-io.ts';
import { readSmallFile } from '../util/read-small-file.ts';
import { formatDuration } from '../util/duration.ts';

/** Beside the lock: since when a job has been skipped for pressure, tick after tick. */
export interface StarvationState {
  /** Epoch ms of the first pressure skip in the current streak. */
  since: number;
  skips: number;
  /** The figures of the latest skip: `io some 74% (limit 30%)`. */
  last: string;
  /** Epoch ms the streak was reported on stderr; null until then (one report per streak). */
  reportedAt: number | null;
}

export const starvationPath = (lockDir: string, name: string): string => join(lockDir, `${name}.starve`);

/** Missing, planted (a FIFO, a symlink) or unparsable: no streak, and the next skip starts a new one. */
export function readStarvation(path: string): StarvationState | undefined {
  // The bounded reader: a FIFO or symlink planted in the lock folder is no streak, never a hang.
  const read = readSmallFile(path);
  if (read.kind !== 'ok') return undefined;
  try {
    const s = JSON.parse(read.text) as StarvationState;
    return typeof s.since === 'number' && typeof s.skips === 'number' ? s : undefined;
  } catch {
    return undefined;
  }
}

function write(path: string, s: StarvationState): void {
  writeAtomically(path, `${JSON.stringify(s)}\n`);
}

/**
 * Count one more skip for pressure. `line` is the one to print when the streak has just passed
 * `starveAfterMs` (once per streak, so cron mails it once), else undefined; `starved` is that line
 * on every skip past `starveAfterMs` (the ping's /fail). 0 turns it off.
 */
export function noteStarvedSkip(
  path: string,
  name: string,
  now: number,
  last: string,
  starveAfterMs: number,
): { line: string | undefined; since: number; starved: string | undefined } {
  const prev = readStarvation(path);
  const s: StarvationState = { since: prev?.since ?? now, skips: (prev?.skips ?? 0) + 1, last, reportedAt: prev?.reportedAt ?? null };
  const starved = starveAfterMs > 0 && now - s.since >= starveAfterMs ? starvedLine(name, s, now) : undefined;
  let line: string | undefined;
  if (starved && s.reportedAt === null) {
    s.reportedAt = now;
    line = starved;
  }
  try {
    write(path, s);
  } catch {
    // A full or read-only lock folder must not change the run's outcome.
  }
  return { line, since: s.since, starved };
}

/** The one starvation sentence, for stderr and the ping alike. */
export function starvedLine(name: string, s: StarvationState, now: number): string {
  const skips = `skipped ${s.skips} time${s.skips === 1 ? '' : 's'} in ${formatDuration(now - s.since)}`;
  return `ioguard: job "${name}" starved by pressure: ${skips} (since ${new Date(s.since).toISOString()}), never started; last: ${s.last}`;
}

/** The job started: the streak is over. */
export function clearStarvation(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // No streak.
  }
}
