import type { FlagTable, ParsedArgs } from './flag-table.ts';
import type { CliIo } from './io.ts';

/** One subcommand: its flag table, its help page and its handler, loaded only when it runs. */
export interface Command {
  name: string;
  usage: string;
  summary: string;
  flags: FlagTable;
  /** Positional arguments, shown before the flags. */
  positionals?: Array<{ name: string; describe: string }>;
  examples: Array<[command: string, meaning: string]>;
  epilogue?: string;
  /** Most positionals the command takes before `--`. */
  maxPositionals: number;
  /** status and check load only when they run, so `run` never pays for them (citty's pattern). */
  load: () => Promise<(args: ParsedArgs, io: CliIo) => Promise<number>>;
}
