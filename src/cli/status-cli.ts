import { EXIT } from '../errors/exit-codes.ts';
import { listJobs } from '../status/list-jobs.ts';
import { formatStatusTable } from '../status/format-table.ts';
import { formatHistorySection, historyViews, rowsWithHistory } from '../status/history-section.ts';
import { resolveLockDir } from '../lock/lock-dir.ts';
import { parseDuration } from '../util/duration.ts';
import type { ParsedArgs } from './flag-table.ts';
import { lastValue } from './flag-values.ts';
import { logFileHere, logFileLine } from './log-line.ts';
import type { CliIo } from './io.ts';

/** `ioguard status [name]`: every job in the lock folder, as a table or JSON. */
export async function statusCli({ flags, positionals }: ParsedArgs, io: CliIo): Promise<number> {
  const stuck = lastValue(flags['stuck-after']);
  const lockDir = lastValue(flags['lock-dir']);
  const name = positionals[0];
  const fleet = lastValue(flags.fleet);
  if (fleet !== undefined) {
    const { fleetStatus } = await import('./fleet-cli.ts');
    return fleetStatus(flags, name, io);
  }
  const rows = await listJobs({
    ...(lockDir ? { lockDir } : {}),
    ...(name ? { name } : {}),
    ...(stuck ? { stuckAfterMs: parseDuration(stuck, '--stuck-after') } : {}),
  });
  const views = historyViews(resolveLockDir(lockDir, { env: process.env, uid: process.getuid?.() ?? 0 }), Date.now(), name);
  const logFile = logFileHere();
  io.stdout(
    flags.json
      ? `${JSON.stringify(rowsWithHistory(rows, views).map((r) => ({ ...r, logFile })), null, 2)}\n`
      : `${formatStatusTable(rows, io.isTTY)}${formatHistorySection(views, io.isTTY)}\n${logFileLine(logFile)}`,
  );
  return EXIT.ok;
}
