import { IoguardError } from '../errors/ioguard-error.ts';
import { runCommand } from '../run/run-command.ts';
import type { ParsedArgs } from './flag-table.ts';
import type { CliIo } from './io.ts';
import { runOptionsFromFlags } from './run-flags.ts';

/** `ioguard run [options] -- <command> [args...]`: the job's own status, or one of EXIT. */
export async function runCli({ flags, positionals, rest }: ParsedArgs, io: CliIo): Promise<number> {
  const options = runOptionsFromFlags(flags);
  const argv = rest ?? [];
  if (argv.length === 0) {
    const hint = positionals.length > 0 ? `put the command after --: ioguard run [options] -- ${positionals.join(' ')}` : 'missing command: ioguard run [options] -- <command> [args...]';
    throw new IoguardError('ERR_USAGE', hint);
  }
  if (positionals.length > 0) throw new IoguardError('ERR_USAGE', `unexpected argument before --: ${positionals[0]}`);
  if (argv[0] === '') throw new IoguardError('ERR_USAGE', 'the command after -- is an empty string: name a program, e.g. ioguard run -- sh -c \'...\'');
  const verbose = Boolean(flags.verbose);
  options.report = (line, kind) => {
    if (kind === 'alert' || verbose) io.stderr(`${line}\n`);
  };
  const result = await runCommand(argv, options);
  return result.exitCode;
}
