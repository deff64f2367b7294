/** The largest number of bodies running at once, from timestamped start/end events. */
export function maxOverlap(events: ReadonlyArray<{ kind: string; t: number }>): number {
  const sorted = events.filter((e) => e.kind === 'start' || e.kind === 'end').sort((a, b) => a.t - b.t || (a.kind === 'end' ? -1 : 1));
  let running = 0;
  let max = 0;
  for (const e of sorted) {
    running += e.kind === 'start' ? 1 : -1;
    max = Math.max(max, running);
  }
  return max;
}
