import { choice, milliseconds } from '../util/validate.ts';

// Apart from start-jitter.ts (the delay and the wait), which steps/jitter.ts loads only with --jitter.

/** `random`: a new delay every run (systemd's RandomizedDelaySec=); `host`: the same on a host every run (FixedRandomDelay=). */
const JITTER_SEEDS = ['random', 'host'] as const;
export type JitterSeed = (typeof JITTER_SEEDS)[number];

export interface JitterOptions {
  /** The window: the delay is drawn from [0, windowMs). */
  windowMs: number;
  seed: JitterSeed;
}

export function normalizeJitter(windowMs: unknown, seed: unknown, option = 'jitterMs'): JitterOptions | undefined {
  const checkedSeed = seed === undefined ? 'random' : choice('jitterSeed', seed, JITTER_SEEDS);
  const window = milliseconds(option, windowMs, undefined);
  return window === undefined || window === 0 ? undefined : { windowMs: window, seed: checkedSeed };
}
