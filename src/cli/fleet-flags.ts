import { durationFlag, lastValue } from './flag-values.ts';
import type { FlagTable, FlagValues } from './flag-table.ts';
import { inFlagTerms } from './flag-errors.ts';
import { renameOption } from '../errors/ioguard-error.ts';
import { normalizeFleetSettings, type FleetLostPolicy, type FleetOptions, type FleetUnavailablePolicy } from '../fleet/fleet-options.ts';
import { postgresUrl } from '../util/validate.ts';

/** Flags of the fleet lock, shared by run (all of them) and check/status (the URL). */
export const FLEET_FLAGS: FlagTable = {
  fleet: { type: 'string', option: 'fleet.url', describe: 'Also take the job\'s lock on a PostgreSQL server shared by the fleet: postgres://user@host/db (default $IOGUARD_FLEET_URL; password from the URL, PGPASSFILE or PGPASSWORD)' },
  'fleet-unavailable': { type: 'string', option: 'fleet.unavailable', describe: 'Fleet server down or refusing: skip (exit 75 with the reason) or run-local (run under the local lock only)', default: 'skip' },
  'fleet-connect-timeout': { type: 'string', option: 'fleet.connectTimeoutMs', describe: 'Longest wait for a connection to the fleet server', default: '5s' },
  'fleet-lock-timeout': { type: 'string', option: 'fleet.lockTimeoutMs', describe: 'Longest wait for each fleet statement (taking the lock, writing the record)', default: '5s' },
  'fleet-heartbeat': { type: 'string', option: 'fleet.heartbeatMs', describe: 'How often the holder refreshes its fleet record', default: '10s' },
  'fleet-lost': {
    type: 'string',
    option: 'fleet.lost',
    describe: 'Fleet lock lost while the job runs (not held for 3 heartbeats, not retaken): keep the job running, or terminate it (exit 76)',
    default: 'keep',
  },
};

/** The fleet URL from --fleet, else $IOGUARD_FLEET_URL; an empty value turns the fleet lock off. */
export function fleetUrl(args: FlagValues, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = lastValue(args.fleet) ?? env.IOGUARD_FLEET_URL;
  return url === undefined || url === '' ? undefined : url;
}

/** Turn the fleet flags into the library option; the library checks them (the URL without ever echoing it). */
export function fleetFromFlags(args: FlagValues, env: NodeJS.ProcessEnv = process.env): FleetOptions | undefined {
  const settings = {
    // Defaults come filled from FLEET_FLAGS, their one source.
    unavailable: lastValue(args['fleet-unavailable']) as FleetUnavailablePolicy,
    connectTimeoutMs: durationFlag(args, 'fleet-connect-timeout') as number,
    lockTimeoutMs: durationFlag(args, 'fleet-lock-timeout') as number,
    heartbeatMs: durationFlag(args, 'fleet-heartbeat') as number,
    lost: lastValue(args['fleet-lost']) as FleetLostPolicy,
  };
  // Checked even without a URL, so a typo does not wait for the day the fleet is switched on.
  inFlagTerms(() => normalizeFleetSettings(settings), FLEET_FLAGS, args);
  const url = fleetUrl(args, env);
  return url === undefined ? undefined : { url: checkedFleetUrl(args, url), ...settings };
}

/** The URL checked, its error told as the user wrote it: the flag, or the variable it came from. */
export function checkedFleetUrl(args: FlagValues, url: string): string {
  try {
    return postgresUrl('fleet.url', url);
  } catch (error) {
    throw renameOption(error, lastValue(args.fleet) === undefined ? 'IOGUARD_FLEET_URL' : '--fleet', undefined);
  }
}
