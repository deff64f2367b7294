import { EXIT } from '../errors/exit-codes.ts';
import type { CliIo } from '../cli/io.ts';
import type { FlagValues } from '../cli/flag-table.ts';
import { durationFlag, lastValue } from '../cli/flag-values.ts';
import { fleetUrl } from './fleet-flags.ts';
import { checkFleetUrl } from './fleet-url.ts';
import { checkFleet, formatFleetCheck, formatFleetTable, listFleetJobs, type FleetReachability } from './list-fleet.ts';

function options(args: FlagValues, url: string): { url: string; connectTimeoutMs: number } {
  checkFleetUrl(url, lastValue(args.fleet) === undefined ? 'IOGUARD_FLEET_URL' : '--fleet');
  return { url, connectTimeoutMs: durationFlag(args, 'fleet-connect-timeout') ?? 5000 };
}

/** `ioguard status --fleet URL [name]`: the fleet's jobs with their hosts. */
export async function fleetStatus(args: FlagValues, name: string | undefined, io: CliIo): Promise<number> {
  const rows = await listFleetJobs(options(args, lastValue(args.fleet) as string), name === undefined ? {} : { name });
  io.stdout(args.json ? `${JSON.stringify(rows, null, 2)}\n` : formatFleetTable(rows));
  return EXIT.ok;
}

/** The fleet part of `ioguard check`, when a URL is configured (--fleet or $IOGUARD_FLEET_URL). */
export async function fleetCheck(args: FlagValues): Promise<{ data: FleetReachability; text: string } | undefined> {
  const url = fleetUrl(args);
  if (url === undefined) return undefined;
  const data = await checkFleet(options(args, url));
  return { data, text: formatFleetCheck(data) };
}
