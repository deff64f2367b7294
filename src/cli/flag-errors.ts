import { isIoguardError, renameOption } from '../errors/ioguard-error.ts';
import type { FlagTable, FlagValues } from './flag-table.ts';
import { lastValue } from './flag-values.ts';

/**
 * Run a library normalizer on options built from flags. The library validates; an option error it
 * throws is told with the flag that set the option and the text typed for it (`--on-busy: "queue"
 * is not one of skip, wait, replace`), so the flag layer only parses and never re-validates.
 */
export function inFlagTerms<T>(check: () => T, table: FlagTable, args: FlagValues): T {
  try {
    return check();
  } catch (error) {
    const option = isIoguardError(error) ? error.option : undefined;
    const flag = option === undefined ? undefined : Object.keys(table).find((name) => table[name]?.option === option);
    if (flag === undefined) throw error;
    throw renameOption(error, `--${flag}`, lastValue(args[flag]));
  }
}
