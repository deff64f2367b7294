import { EXIT } from '../errors/exit-codes.ts';
import { normalizeFleet, type NormalizedFleet } from '../fleet/fleet-options.ts';
import { checkFleet, formatFleetCheck, formatFleetTable, listFleetJobs, type FleetReachability } from '../fleet/list-fleet.ts';
import type { CliIo } from './io.ts';
import type { FlagValues } from './flag-table.ts';
import { durationFlag, lastValue } from './flag-values.ts';
import { inFlagTerms } from './flag-errors.ts';
import { FLEET_FLAGS, checkedFleetUrl, fleetUrl } from './fleet-flags.ts';

function options(args: FlagValues, url: string): NormalizedFleet {
  const connectTimeoutMs = durationFlag(args, 'fleet-connect-timeout') ?? 5000;
  return inFlagTerms(() => normalizeFleet({ url: checkedFleetUrl(args, url), connectTimeoutMs }) as NormalizedFleet, FLEET_FLAGS, args);
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
