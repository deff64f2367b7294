import { EXIT } from '../errors/exit-codes.ts';
import { evaluate } from '../probe/evaluate.ts';
import { probe } from '../probe/probe.ts';
import { formatCheck } from '../probe/format-check.ts';
import { toCheckJson } from '../probe/check-json.ts';
import { durationFlag, lastValue } from './flag-values.ts';
import { thresholdsFromFlags } from './gate-flags.ts';
import type { ParsedArgs } from './flag-table.ts';
import type { CliIo } from './io.ts';
import { logFileHere, logFileLine } from './log-line.ts';

/** `ioguard check`: the system's I/O health; exit 0 healthy, 75 when a threshold does not hold. */
export async function checkCli({ flags: args }: ParsedArgs, io: CliIo): Promise<number> {
  const thresholds = thresholdsFromFlags(args);
  const path = lastValue(args.path);
  const snapshot = await probe({ windowMs: durationFlag(args, 'window') as number, ...(path === undefined ? {} : { path }) });
  const verdict = evaluate(snapshot, thresholds);
  const { fleetCheck } = await import('./fleet-cli.ts');
  const fleet = await fleetCheck(args);
  const logFile = logFileHere();
  io.stdout(
    args.json
      ? `${JSON.stringify({ ...toCheckJson(snapshot, verdict), ...(fleet ? { fleet: fleet.data } : {}), logFile }, null, 2)}\n`
      : `${formatCheck(snapshot, verdict)}${fleet?.text ?? ''}\n${logFileLine(logFile)}`,
  );
  return verdict.healthy && fleet?.data.reachable !== false ? EXIT.ok : EXIT.skipped;
}
