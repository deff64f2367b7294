/** `base` spread uniformly over ±half of it: jobs held together do not look (or start) together. */
export function jittered(baseMs: number, random: () => number = Math.random): number {
  return Math.round(baseMs * (0.5 + random()));
}

/** Sleep that an abort ends early (the wrapper got a signal while holding back). */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
