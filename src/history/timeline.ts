import { STARTED_OUTCOMES, type HistoryEntry } from './entry.ts';
import { formatDuration } from '../util/duration.ts';

const pad2 = (n: number): string => String(n).padStart(2, '0');
function clock(ms: number, withSeconds: boolean): string {
  const d = new Date(ms);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}${withSeconds ? `:${pad2(d.getSeconds())}` : ''}`;
}

function skipMark(n: number): string {
  return n === 0 ? ' ' : n < 10 ? String(n) : '+';
}

/**
 * Runs, deferrals and skips against wall-clock time, one lane each, `width` columns from `from`
 * to `to`. In the runs lane █ and ▓ (alternating) are runs, ending in x if they failed, T if they timed out;
 * ! a stuck refusal; the skips lane counts invocations that did not start (+ for 10 or more).
 */
export function formatTimeline(entries: readonly HistoryEntry[], from: number, to: number, width = 60): string {
  const span = Math.max(1, to - from);
  const col = (t: number): number => Math.min(width - 1, Math.max(0, Math.floor(((t - from) / span) * width)));
  const runs = Array<string>(width).fill(' ');
  const deferred = Array<string>(width).fill(' ');
  const skips = Array<number>(width).fill(0);
  const rank: Record<string, number> = { ' ': 0, '█': 1, '▓': 1, x: 2, T: 3, '!': 4 };
  let nth = 0;
  const put = (lane: string[], i: number, ch: string): void => {
    if ((rank[ch] ?? 0) >= (rank[lane[i] as string] ?? 0)) lane[i] = ch;
  };
  for (const e of entries) {
    if (e.end < from || e.at > to) continue;
    if (e.deferredMs > 0) for (let i = col(e.at); i <= col(e.at + e.deferredMs); i++) deferred[i] = '▒';
    if (STARTED_OUTCOMES.has(e.outcome) && e.start !== null) {
      // Back-to-back runs alternate their shade so that each one shows where it starts.
      const body = nth++ % 2 === 0 ? '█' : '▓';
      const mark = e.outcome === 'completed' ? body : e.outcome === 'timed-out' ? 'T' : 'x';
      for (let i = col(e.start); i <= col(e.end); i++) put(runs, i, i === col(e.end) ? mark : body);
    } else {
      if (e.outcome === 'stuck') put(runs, col(e.at), '!');
      skips[col(e.at)] = (skips[col(e.at)] ?? 0) + 1;
    }
  }
  const withSeconds = span < 3 * 3_600_000;
  const left = clock(from, withSeconds);
  const right = clock(to, withSeconds);
  const axis = `${left}${' '.repeat(Math.max(1, width + 2 - left.length - right.length))}${right}`;
  return [
    `           ${axis}`,
    `runs      |${runs.join('')}|`,
    `deferred  |${deferred.join('')}|`,
    `skips     |${skips.map(skipMark).join('')}|`,
    `           one column = ${formatDuration(span / width, 'short')}; █▓ runs (alternating), x failed, T timed out, ! refused (stuck), ▒ deferred, digits = skips`,
  ].join('\n');
}
