import { formatDuration } from '../util/duration.ts';
import { formatBytes } from '../util/format-units.ts';
import { tableLines } from '../util/table.ts';
import type { JobStatus } from './list-jobs.ts';

const HEADERS = ['NAME', 'STATE', 'WRAPPER', 'JOB', 'ST', 'WCHAN', 'AGE', 'PROGRESS', 'CPU%', 'MEM', 'COMMAND'] as const;

const bytes = (n: number | null): string => (n === null ? '-' : formatBytes(n, 'compact'));

// Ages are whole seconds: a young row reads "<1s", not the "0ms" that would claim millisecond precision.
const secs = (s: number | null): string => (s === null ? '-' : s < 1 ? '<1s' : formatDuration(s * 1000));

/** The pace and the bound in force, when there are: `  [ran 80% of the last minute; backlog 8:0 <= 1.0M]`. */
function pace(r: JobStatus): string {
  const parts = [
    ...(r.ranPercent === null ? [] : [`ran ${r.ranPercent}% of the last minute`]),
    ...r.backlogBound.map((b) => `backlog ${b.device} <= ${bytes(b.bytes)}`),
  ];
  return parts.length === 0 ? '' : `  [${parts.join('; ')}]`;
}

/** The status table. D-state processes and stuck jobs are highlighted when `color` is on (a TTY). */
export function formatStatusTable(rows: readonly JobStatus[], color: boolean): string {
  if (rows.length === 0) return 'No jobs.\n';
  const cells = rows.map((r) => [
    r.name,
    r.state,
    r.wrapperPid === null ? '-' : String(r.wrapperPid),
    r.jobPid === null ? '-' : String(r.jobPid),
    r.procState ?? '-',
    r.wchan ?? '-',
    secs(r.ageSeconds),
    r.lastProgressSeconds === null ? '-' : `${secs(r.lastProgressSeconds)} ago`,
    r.cpuPercent === null ? '-' : r.cpuPercent.toFixed(1),
    bytes(r.memoryBytes),
    (r.command || '-').slice(0, 80) + (r.note ? `  [${r.note}]` : '') + pace(r),
  ]);
  const paint = (text: string, r: JobStatus): string => (color && (r.procState === 'D' || r.state === 'stuck') ? `\x1b[1;31m${text}\x1b[0m` : text);
  const [header, ...lines] = tableLines(HEADERS, cells);
  return [header, ...lines.map((l, i) => paint(l, rows[i] as JobStatus))].join('\n') + '\n';
}
