import { choiceFlag, durationFlag, lastValue } from '../cli/flag-values.ts';
import type { FlagTable, FlagValues } from '../cli/flag-table.ts';
import { IoguardError } from '../errors/ioguard-error.ts';
import { LOST_POLICIES, type FleetOptions } from './fleet-options.ts';
import { checkFleetUrl } from './fleet-url.ts';

/** Flags of the fleet lock, shared by run (all of them) and check/status (the URL). */
export const FLEET_FLAGS: FlagTable = {
  fleet: { type: 'string', describe: 'Also take the job\'s lock on a PostgreSQL server shared by the fleet: postgres://user@host/db (default $IOGUARD_FLEET_URL; password from the URL, PGPASSFILE or PGPASSWORD)' },
  'fleet-unavailable': { type: 'string', describe: 'Fleet server down or refusing: skip (exit 75 with the reason) or run-local (run under the local lock only)', default: 'skip' },
  'fleet-connect-timeout': { type: 'string', describe: 'Longest wait for a connection to the fleet server', default: '5s' },
  'fleet-lock-timeout': { type: 'string', describe: 'Longest wait for each fleet statement (taking the lock, writing the record)', default: '5s' },
  'fleet-heartbeat': { type: 'string', describe: 'How often the holder refreshes its fleet record', default: '10s' },
  'fleet-lost': { type: 'string', describe: 'Fleet lock lost while the job runs (not held for 3 heartbeats, not retaken): keep the job running, or terminate it (exit 76)', default: 'keep' },
};

/** The fleet URL from --fleet, else $IOGUARD_FLEET_URL; an empty value turns the fleet lock off. */
export function fleetUrl(args: FlagValues, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const url = lastValue(args.fleet) ?? env.IOGUARD_FLEET_URL;
  return url === undefined || url === '' ? undefined : url;
}

/** Turn the fleet flags into the library option; the URL is checked without ever being echoed. */
export function fleetFromFlags(args: FlagValues, env: NodeJS.ProcessEnv = process.env): FleetOptions | undefined {
  const positive = (flag: string): number => {
    const ms = durationFlag(args, flag) as number;
    if (ms <= 0) throw new IoguardError('ERR_INVALID_OPTION', `--${flag}: must be above zero`, { option: `--${flag}` });
    return ms;
  };
  // Checked even without a URL, so a typo does not wait for the day the fleet is switched on.
  const options = {
    unavailable: choiceFlag(args, 'fleet-unavailable', ['skip', 'run-local'] as const) ?? 'skip',
    connectTimeoutMs: positive('fleet-connect-timeout'),
    lockTimeoutMs: positive('fleet-lock-timeout'),
    heartbeatMs: positive('fleet-heartbeat'),
    lost: choiceFlag(args, 'fleet-lost', LOST_POLICIES) ?? 'keep',
  };
  const url = fleetUrl(args, env);
  if (url === undefined) return undefined;
  // Said as the user wrote it: the flag, or the variable it came from.
  checkFleetUrl(url, lastValue(args.fleet) === undefined ? 'IOGUARD_FLEET_URL' : '--fleet');
  return { url, ...options };
}
