import { EXIT, EXIT_MEANINGS } from '../errors/exit-codes.ts';
import { IoguardError, isIoguardError } from '../errors/ioguard-error.ts';
import { VERSION } from '../version.ts';
import { formatHelp, parseFlags, type FlagTable, type HelpPage, type ParsedArgs } from './flag-table.ts';
import { THRESHOLD_OPTIONS } from './gate-flags.ts';
import { processIo, type CliIo } from './io.ts';
import { runCli } from './run-cli.ts';
import { RUN_FLAGS } from './run-flags.ts';

interface Command extends HelpPage {
  name: string;
  /** status and check load only when they run, so `run` never pays for them (citty's pattern). */
  load: () => Promise<(args: ParsedArgs, io: CliIo) => Promise<number>>;
  /** Most positionals the command takes before `--`. */
  maxPositionals: number;
}

const EPILOGUE = `Exit status:\n${EXIT_MEANINGS.map((e) => `  ${e.code.padEnd(7)} ${e.meaning}`).join('\n')}`;
const json = (describe: string): FlagTable[string] => ({ type: 'boolean', default: false, describe });

const COMMANDS: readonly Command[] = [
  {
    name: 'run',
    usage: 'ioguard run [options] -- <command> [args...]',
    summary: 'Run a command under the job lock: one run per job, bounded, logged.',
    flags: RUN_FLAGS,
    // Positionals before `--` are reported by run itself ("put the command after --").
    maxPositionals: Infinity,
    examples: [
      ['ioguard run --name backup --timeout 50m -- rsync -a /src /dst', 'one run at a time, ended after 50 minutes'],
      ['ioguard run --name report --on-busy wait --wait 5m -- ./report.sh', 'wait up to 5 minutes for the previous run'],
    ],
    epilogue: EPILOGUE,
    // Static: run is the hot path (cron, every minute); its own import() measured ~2 ms slower.
    load: async () => runCli,
  },
  {
    name: 'status',
    usage: 'ioguard status [name] [options]',
    summary: 'Show every job in the lock folder: state, processes, wchan, age, progress.',
    positionals: [{ name: 'name', describe: 'Only this job' }],
    flags: { json: json('Print an array of objects with stable field names'), 'lock-dir': RUN_FLAGS['lock-dir']!, 'stuck-after': RUN_FLAGS['stuck-after']!, fleet: { type: 'string', describe: 'List the fleet\'s jobs and their hosts from this PostgreSQL server instead of the lock folder' }, 'fleet-connect-timeout': RUN_FLAGS['fleet-connect-timeout']! },
    maxPositionals: 1,
    examples: [['ioguard status --json', 'machine-readable']],
    load: async () => (await import('./status-cli.ts')).statusCli,
  },
  {
    name: 'check',
    usage: 'ioguard check [options]',
    summary: "Show the system's I/O health and whether the thresholds hold (exit 0) or not (exit 75).",
    flags: { json: json('Print JSON with stable field names'), ...THRESHOLD_OPTIONS, fleet: { type: 'string', describe: 'Also report whether this fleet lock server is reachable (default $IOGUARD_FLEET_URL); unreachable exits 75' }, 'fleet-connect-timeout': RUN_FLAGS['fleet-connect-timeout']! },
    maxPositionals: 0,
    examples: [
      ['ioguard check --path /srv/backup', 'health of the disks behind /srv/backup'],
      ['ioguard check --max-io-pressure 20 || exit 0', 'in a script: do nothing when I/O is busy'],
    ],
    load: async () => (await import('./check-cli.ts')).checkCli,
  },
  {
    name: 'history',
    usage: 'ioguard history [name] [options]',
    summary: "Show a job's recent runs, skips and deferrals on a timeline, and whether its runs outlast its schedule.",
    positionals: [{ name: 'name', describe: 'The job (without it: one line per job)' }],
    flags: {
      json: json('Print JSON with stable field names'),
      limit: { type: 'string', describe: 'How many recent invocations to list', default: '20' },
      'lock-dir': RUN_FLAGS['lock-dir']!,
    },
    maxPositionals: 1,
    examples: [['ioguard history jobs-archive', 'timeline of the recent runs and the forecast']],
    load: async () => (await import('./history-cli.ts')).historyCli,
  },
];

const helpWidth = (): number => Math.min(110, process.stdout.columns || 100);

function topHelp(): string {
  const left = Math.max(...COMMANDS.map((c) => c.name.length)) + 4;
  return [
    'Usage: ioguard <command> [options]',
    '',
    'Make scheduled jobs safe: one run per job, no heavy work into a struggling system, every run bounded.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(left)}${c.summary}`),
    '',
    'Options:',
    '  --help     Show help (ioguard <command> --help for a command\'s options)',
    '  --version  Show the version number',
    '',
    'Examples:',
    ...COMMANDS.map((c) => `  ${c.examples[0]![0]}`),
    '',
    EPILOGUE,
    '',
  ].join('\n');
}

function print(io: CliIo, text: string): number {
  io.stdout(text);
  return EXIT.ok;
}

/** Parse and run; every error becomes one line and an exit status here, nowhere else. */
export async function execute(args: string[], io: CliIo = processIo): Promise<number> {
  try {
    const first = args[0];
    const command = COMMANDS.find((c) => c.name === first);
    if (!command) {
      if (first === '--version') return print(io, `${VERSION}\n`);
      if (first === '--help' || first === '-h') return print(io, topHelp());
      if (first === undefined) throw new IoguardError('ERR_USAGE', 'name a command: run, status, check or history');
      throw new IoguardError('ERR_USAGE', `Unknown argument: ${first.replace(/^-+/, '')}`);
    }
    const parsed = parseFlags(args.slice(1), command.flags);
    if (parsed.help) return print(io, formatHelp(command, helpWidth()));
    if (parsed.version) return print(io, `${VERSION}\n`);
    if (parsed.positionals.length > command.maxPositionals) throw new IoguardError('ERR_USAGE', `Unknown argument: ${parsed.positionals[command.maxPositionals]}`);
    if (parsed.rest !== undefined && command.name !== 'run') throw new IoguardError('ERR_USAGE', `ioguard ${command.name} takes no command after --`);
    const handler = await command.load();
    return await handler(parsed, io);
  } catch (error) {
    if (isIoguardError(error)) {
      const topic = error.code === 'ERR_USAGE' || error.code === 'ERR_INVALID_OPTION' ? ` (see ioguard ${COMMANDS.some((c) => c.name === args[0]) ? `${args[0]} ` : ''}--help)` : '';
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
