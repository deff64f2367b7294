import type { RunOptions } from '../run/options.ts';
import type { OutputMode } from '../output/output-mode.ts';
import type { JitterSeed } from '../jitter/jitter-options.ts';
import { parseByteSize } from '../util/byte-size.ts';
import type { FlagTable, FlagValues } from './flag-table.ts';
import { durationFlag, lastValue } from './flag-values.ts';

/** Flags of `ioguard run` that tell monitoring: check-in pings, quiet output, spread starts. */
export const MONITOR_FLAGS: FlagTable = {
  ping: { type: 'string', option: 'ping', describe: 'Check-in URL (healthchecks.io protocol: /start, success, /<exit status>, /fail, /log) [default: $IOGUARD_PING_URL, else off]' },
  'ping-timeout': { type: 'string', option: 'ping.timeoutMs', describe: 'The longest one ping attempt may take (two retries on network errors and 5xx)', default: '5s' },
  'ping-body-max': { type: 'string', option: 'ping.bodyMax', describe: "Bytes of the job's latest output sent with the ending ping, e.g. 10k; 0 for none", default: '10k' },
  output: { type: 'string', option: 'output', describe: "inherit: the job writes to ioguard's stdout/stderr; on-failure: held, printed only if the run failed, timed out or was killed (chronic)", default: 'inherit' },
  jitter: { type: 'string', option: 'jitterMs', describe: 'A random delay from 0 up to this before the lock is taken, e.g. 10m (systemd RandomizedDelaySec=)' },
  'jitter-seed': { type: 'string', option: 'jitterSeed', describe: 'random: a new delay each run; host: the same delay on a host for the job, every run (FixedRandomDelay=)', default: 'random' },
};

/** The monitoring part of runCommand's options, parsed not validated (the library does); the ping URL falls back to IOGUARD_PING_URL. */
export function monitorFromFlags(args: FlagValues, env: NodeJS.ProcessEnv = process.env): Partial<RunOptions> {
  const o: Partial<RunOptions> = {};
  const url = lastValue(args.ping) ?? (env.IOGUARD_PING_URL || undefined);
  if (url !== undefined) {
    o.ping = {
      url,
      timeoutMs: durationFlag(args, 'ping-timeout') as number,
      // Defaults come filled from MONITOR_FLAGS, their one source.
      bodyMax: parseByteSize(lastValue(args['ping-body-max']) as string, '--ping-body-max'),
    };
  }
  o.output = lastValue(args.output) as OutputMode;
  const jitterMs = durationFlag(args, 'jitter');
  if (jitterMs !== undefined) o.jitterMs = jitterMs;
  const seed = lastValue(args['jitter-seed']);
  if (seed !== undefined) o.jitterSeed = seed as JitterSeed;
  return o;
}
