import { EXIT } from '../errors/exit-codes.ts';
import { STARTED_OUTCOMES, type HistoryEntry } from '../history/entry.ts';
import { formatDuration } from '../util/duration.ts';
import type { JobHistoryView } from '../history/history-view.ts';
import { loadHistory } from '../history/job-history.ts';
import { formatTimeline } from '../history/timeline.ts';
import { validateJobName } from '../lock/job-key.ts';
import { resolveLockDir } from '../lock/lock-dir.ts';
import { formatBytes } from '../util/format-units.ts';
import { tableLines } from '../util/table.ts';
import { formatHistorySection, historyViews } from '../status/history-section.ts';
import type { ParsedArgs } from './flag-table.ts';
import { intFlag, lastValue } from './flag-values.ts';
import type { CliIo } from './io.ts';

// The timeline spans the last 24 h, or less when the job is invoked often: at most this many invocations.
const TIMELINE_INVOCATIONS = 200;
const DAY = 86_400_000;

const pad2 = (n: number): string => String(n).padStart(2, '0');
function when(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

const short = (ms: number): string => formatDuration(ms, 'short');
const orDash = <T>(v: T | null, f: (x: T) => string): string => (v === null ? '-' : f(v));

function table(entries: readonly HistoryEntry[]): string {
  const headers = ['TIME', 'OUTCOME', 'DURATION', 'EXIT', 'DEFERRED', 'CPU', 'PEAK RSS', 'READ', 'WRITTEN', 'IO PSI', 'REASON'];
  const cells = entries.map((e) => [
    when(e.at),
    e.outcome,
    STARTED_OUTCOMES.has(e.outcome) && e.start !== null ? formatDuration(e.durationMs, 'short') : '-',
    String(e.exitCode),
    e.deferredMs > 0 ? `${formatDuration(e.deferredMs, 'short')}${e.heldBy?.length ? ` (${e.heldBy.join(',')})` : ''}` : '-',
    orDash(e.cpuSeconds, (v) => `${v.toFixed(2)}s`),
    orDash(e.peakRssBytes, formatBytes),
    orDash(e.readBytes, formatBytes),
    orDash(e.writeBytes, formatBytes),
    orDash(e.ioPressure, (v) => `${v.toFixed(1)}%`),
    e.cause ? `${e.cause}: ${e.reason ?? ''}` : (e.reason ?? ''),
  ]);
  return tableLines(headers, cells).map((l) => l.trimEnd()).join('\n');
}

function detail(v: JobHistoryView, recent: HistoryEntry[], corruptInTail: number, limit: number, now: number): string {
  const f = v.forecast;
  const d = v.last24h;
  const lines = [
    `${v.name}: ${v.invocations} invocation${v.invocations === 1 ? '' : 's'} recorded; last 24 h: ${d.runs} run${d.runs === 1 ? '' : 's'}, ${d.skips} skipped, ${d.failures} failed, ${d.timeouts} timed out`,
    `duration p50 ${orDash(f.durationP50Ms, short)}, p90 ${orDash(f.durationP90Ms, short)}; started every ${orDash(f.intervalMs, short)} (median gap); ratio ${orDash(f.ratio, (r) => r.toFixed(2))}`,
  ];
  if (f.warning) lines.push(`! ${f.warning}`);
  if (v.corruptLines > 0 || corruptInTail > 0) lines.push(`(${Math.max(v.corruptLines, corruptInTail)} corrupt line(s) in the history were skipped)`);
  const inWindow = recent.slice(-TIMELINE_INVOCATIONS);
  const from = Math.max(now - DAY, Math.min(...inWindow.map((e) => e.at)));
  lines.push('', formatTimeline(inWindow, from, now), '', table(recent.slice(-limit)));
  return `${lines.join('\n')}\n`;
}

/** `ioguard history [NAME]`: one job's recent runs on a timeline with the forecast, or every job's line. */
export async function historyCli({ flags, positionals }: ParsedArgs, io: CliIo): Promise<number> {
  const lockDir = resolveLockDir(lastValue(flags['lock-dir']), { env: process.env, uid: process.getuid?.() ?? 0 });
  const limit = intFlag(flags, 'limit', 1, 100_000) ?? 20;
  const now = Date.now();
  const name = positionals[0];
  if (name === undefined) {
    const views = historyViews(lockDir, now);
    io.stdout(flags.json ? `${JSON.stringify(views, null, 2)}\n` : views.length === 0 ? 'No history.\n' : formatHistorySection(views, io.isTTY).slice(1));
    return EXIT.ok;
  }
  validateJobName(name, 'NAME');
  const loaded = loadHistory(lockDir, name, now);
  if (!loaded) {
    io.stdout(flags.json ? 'null\n' : `No history for job "${name}".\n`);
    return EXIT.ok;
  }
  const { view, recent, corruptInTail } = loaded;
  io.stdout(flags.json ? `${JSON.stringify({ ...view, entries: recent.slice(-limit) }, null, 2)}\n` : detail(view, recent, corruptInTail, limit, now));
  return EXIT.ok;
}
