import yargs, { type Argv } from 'yargs';
import { EXIT, EXIT_MEANINGS } from '../errors/exit-codes.ts';
import { IoguardError, isIoguardError } from '../errors/ioguard-error.ts';
import { runCommand } from '../run/run-command.ts';
import { normalizeSignal } from '../terminate/signal-group.ts';
import { listJobs } from '../status/list-jobs.ts';
import { formatStatusTable } from '../status/format-table.ts';
import { parseDuration } from '../util/duration.ts';
import { VERSION } from '../version.ts';
import { lastValue } from './flag-values.ts';
import { processIo, type CliIo } from './io.ts';
import { RUN_FLAGS, runOptionsFromFlags } from './run-flags.ts';
import { checkCli } from './check-cli.ts';
import { THRESHOLD_OPTIONS } from './gate-flags.ts';

type Handler = () => Promise<number>;

const EPILOGUE = `Exit status:\n${EXIT_MEANINGS.map((e) => `  ${e.code.padEnd(7)} ${e.meaning}`).join('\n')}`;

function parser(args: string[], io: CliIo, select: (h: Handler) => void): Argv {
  return yargs(args)
    .scriptName('ioguard')
    .parserConfiguration({ 'populate--': true, 'parse-positional-numbers': false, 'parse-numbers': false, 'boolean-negation': false })
    .usage('ioguard <command> [options]\n\nMake scheduled jobs safe: one run per job, no heavy work into a struggling system, every run bounded.')
    .command(
      'run [stray..]',
      'Run a command under the job lock: ioguard run [options] -- <command> [args...]',
      (y) => y.usage('ioguard run [options] -- <command> [args...]\n\nRun a command under the job lock: one run per job, bounded, logged.').options(RUN_FLAGS)
        .example('ioguard run --name backup --timeout 50m -- rsync -a /src /dst', 'one run at a time, ended after 50 minutes')
        .example('ioguard run --name report --on-busy wait --wait 5m -- ./report.sh', 'wait up to 5 minutes for the previous run')
        .epilogue(EPILOGUE),
      (args) => select(() => runCli(args as Record<string, unknown>, io)),
    )
    .command(
      'status [name]',
      'Show every job in the lock folder: state, processes, wchan, age, progress',
      (y) => y
        .positional('name', { type: 'string', describe: 'Only this job' })
        .options({
          json: { type: 'boolean', default: false, describe: 'Print an array of objects with stable field names' },
          'lock-dir': RUN_FLAGS['lock-dir'] as object,
          'stuck-after': RUN_FLAGS['stuck-after'] as object,
        })
        .example('ioguard status --json', 'machine-readable'),
      (args) => select(() => statusCli(args as Record<string, unknown>, io)),
    )
    .command(
      'check',
      "Show the system's I/O health and whether the thresholds hold (exit 0) or not (exit 75)",
      (y) => y
        .options({ json: { type: 'boolean', default: false, describe: 'Print JSON with stable field names' }, ...THRESHOLD_OPTIONS })
        .example('ioguard check --path /srv/backup', 'health of the disks behind /srv/backup')
        .example('ioguard check --max-io-pressure 20 || exit 0', 'in a script: do nothing when I/O is busy'),
      (args) => select(() => checkCli(args as Record<string, unknown>, io)),
    )
    .demandCommand(1, 'name a command: run, status or check')
    .strict()
    .version(VERSION)
    .help()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((message, error) => {
      if (error) throw error;
      throw new IoguardError('ERR_USAGE', message.split('\n')[0] ?? 'usage error');
    });
}

async function runCli(args: Record<string, unknown>, io: CliIo): Promise<number> {
  const options = runOptionsFromFlags(args);
  const argv = (args['--'] as string[] | undefined) ?? [];
  const positional = ((args.stray as unknown[]) ?? []).map(String);
  if (argv.length === 0) {
    const hint = positional.length > 0 ? `put the command after --: ioguard run [options] -- ${positional.join(' ')}` : 'missing command: ioguard run [options] -- <command> [args...]';
    throw new IoguardError('ERR_USAGE', hint);
  }
  if (positional.length > 0) throw new IoguardError('ERR_USAGE', `unexpected argument before --: ${positional[0]}`);
  if (!normalizeSignal(String(options.killSignal))) throw new IoguardError('ERR_INVALID_OPTION', `--kill-signal: ${JSON.stringify(options.killSignal)} is not a signal name like TERM or INT`, { option: '--kill-signal' });
  const verbose = Boolean(args.verbose);
  options.report = (line, kind) => {
    if (kind === 'alert' || verbose) io.stderr(`${line}\n`);
  };
  const result = await runCommand(argv, options);
  return result.exitCode;
}

async function statusCli(args: Record<string, unknown>, io: CliIo): Promise<number> {
  const stuck = lastValue(args['stuck-after']);
  const rows = await listJobs({
    ...(lastValue(args['lock-dir']) ? { lockDir: lastValue(args['lock-dir']) as string } : {}),
    ...(lastValue(args.name) ? { name: lastValue(args.name) as string } : {}),
    ...(stuck ? { stuckAfterMs: parseDuration(stuck, '--stuck-after') } : {}),
  });
  io.stdout(args.json ? `${JSON.stringify(rows, null, 2)}\n` : formatStatusTable(rows, io.isTTY));
  return EXIT.ok;
}

/** Parse and run; every error becomes one line and an exit status here, nowhere else. */
export async function execute(args: string[], io: CliIo = processIo): Promise<number> {
  let handler: Handler | undefined;
  try {
    const output: string[] = [];
    let failure: unknown;
    await parser(args, io, (h) => (handler = h)).parseAsync(args, {}, (err, _argv, text) => {
      if (err) failure = err;
      else if (text) output.push(text);
    });
    if (failure) throw isIoguardError(failure) ? failure : new IoguardError('ERR_USAGE', String((failure as Error).message ?? failure).split('\n')[0] ?? 'usage error');
    if (!handler) {
      if (output.length > 0) io.stdout(`${output.join('\n')}\n`);
      return EXIT.ok;
    }
    return await handler();
  } catch (error) {
    if (isIoguardError(error)) {
      const topic = error.code === 'ERR_USAGE' || error.code === 'ERR_INVALID_OPTION' ? ` (see ioguard ${args[0] === 'run' || args[0] === 'status' || args[0] === 'check' ? `${args[0]} ` : ''}--help)` : '';
      io.stderr(`ioguard: ${error.message}${topic}\n`);
      return error.exitCode;
    }
    io.stderr(`ioguard: internal error: ${(error as Error)?.message ?? String(error)}\n`);
    if (process.env.IOGUARD_DEBUG) io.stderr(`${(error as Error)?.stack ?? ''}\n`);
    return EXIT.internal;
  }
}

/** The bin's entry: the one place that touches process.exit. */
export async function main(args: string[]): Promise<void> {
  const code = await execute(args);
  process.exit(code);
}
