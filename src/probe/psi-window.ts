import type { PsiLine, PsiResource } from '../proc/parse-psi.ts';
import type { PsiSignal, PsiWindow } from './types.ts';

/** Stall percentage between two readings of a PSI total (µs) taken `elapsedMs` apart. */
export function stallPercent(beforeUs: number, afterUs: number, elapsedMs: number): number | undefined {
  if (elapsedMs <= 0 || afterUs < beforeUs) return undefined;
  return Math.min(100, ((afterUs - beforeUs) / (elapsedMs * 1000)) * 100);
}

function windowOf(before: PsiLine, after: PsiLine, elapsedMs: number): PsiWindow {
  return { ...after, stallPercent: stallPercent(before.totalUs, after.totalUs, elapsedMs) };
}

/** Combine two readings of one PSI file into the averages of the second plus the measured stall. */
export function psiWindow(before: PsiResource, after: PsiResource, elapsedMs: number): PsiSignal {
  return {
    some: windowOf(before.some, after.some, elapsedMs),
    full: before.full && after.full ? windowOf(before.full, after.full, elapsedMs) : undefined,
  };
}
