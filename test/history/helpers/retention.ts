import type { Retention } from '../../../src/history/compact.ts';

/** Compacts every few dozen lines, so appenders and compactions overlap all the time. */
export const SMALL_RETENTION: Retention = { keepEntries: 50, keepMs: 365 * 86_400_000, compactAboveBytes: 24 * 1024 };
