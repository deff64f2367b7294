/** Node timers fire at once past 2^31-1 ms (~24.8 days); a longer --timeout is chained. */
const MAX_TIMER_MS = 2_147_483_647;

export interface LongTimeout {
  clear(): void;
}

export function setLongTimeout(fn: () => void, ms: number): LongTimeout {
  let timer: NodeJS.Timeout;
  const end = Date.now() + ms;
  const arm = (): void => {
    const left = end - Date.now();
    timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fn, Math.max(0, left));
  };
  arm();
  return { clear: () => clearTimeout(timer) };
}
