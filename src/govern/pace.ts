/** The window of status's pace: the share of the last minute the job ran. */
export const PACE_WINDOW_MS = 60_000;

/**
 * Percent of the last minute (or of the run, when younger) the job ran, not paused by the governor:
 * `spans` are ended pauses [from, to], `pausedSince` the pause in progress. Pure.
 */
export function ranPercent(startedAt: number, now: number, spans: ReadonlyArray<readonly [number, number]>, pausedSince: number | undefined): number | null {
  const from = Math.max(startedAt, now - PACE_WINDOW_MS);
  const window = now - from;
  if (window <= 0) return null;
  const all: Array<readonly [number, number]> = pausedSince === undefined ? [...spans] : [...spans, [pausedSince, now]];
  const paused = all.reduce((sum, [a, z]) => sum + Math.max(0, Math.min(z, now) - Math.max(a, from)), 0);
  return Math.round(Math.max(0, 100 - (paused / window) * 100));
}
