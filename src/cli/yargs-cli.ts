import { readdirSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import yargs, { type Argv, type Options } from 'yargs';
import { IoguardError } from '../errors/ioguard-error.ts';
import type { Command } from './command.ts';
import { PARSER_CONFIGURATION, type FlagTable } from './flag-table.ts';
import type { CliIo } from './io.ts';

export const COMPLETION_KEY = '--get-yargs-completions';
const SHELLS = ['bash', 'zsh'] as const;

export interface YargsPages {
  commands: readonly Command[];
  description: string;
  epilogue: string;
  version: string;
  width: number;
}

/**
 * Full yargs, loaded only for `--help`, `ioguard help [command]`, `ioguard completion [bash|zsh]`
 * and the shell's completion requests: building it costs ~50 ms (it lays out the whole help), which
 * the run/status/check paths must not pay. It is built from the same command and flag tables.
 */
export async function yargsCli(args: readonly string[], pages: YargsPages, io: CliIo): Promise<number> {
  let argv = [...args];
  if (argv[0] === 'help') argv = argv[1] === undefined ? ['--help'] : [argv[1], '--help'];
  if (argv[0] === 'completion' && !argv.includes(COMPLETION_KEY)) return completionScript(argv, pages, io);
  if (argv[0] === COMPLETION_KEY) {
    const current = argv[argv.length - 1] ?? '';
    const list = await new Promise<string[]>((resolve, reject) => {
      void build(pages, argv, resolve).parse(argv, {}, (error: Error | undefined) => error && reject(error));
    });
    const shown = list.filter((word) => word.startsWith(current));
    if (shown.length > 0) io.stdout(`${shown.join('\n')}\n`);
    return 0;
  }
  const output = await parseWith(build(pages, argv), argv);
  if (output) io.stdout(output.endsWith('\n') ? output : `${output}\n`);
  return 0;
}

function completionScript(argv: string[], pages: YargsPages, io: CliIo): Promise<number> {
  const shell = argv[1] ?? (/zsh/.test(process.env.SHELL ?? '') ? 'zsh' : 'bash');
  if (!(SHELLS as readonly string[]).includes(shell) || argv.length > 2) {
    throw new IoguardError('ERR_USAGE', `ioguard completion takes one of ${SHELLS.join(', ')} (got ${JSON.stringify(argv.slice(1).join(' '))})`);
  }
  // yargs picks the script's shell from $SHELL when it is built; set it for this process only.
  const saved = { SHELL: process.env.SHELL, ZSH_NAME: process.env.ZSH_NAME };
  process.env.SHELL = `/bin/${shell}`;
  delete process.env.ZSH_NAME;
  try {
    return parseWith(build(pages, []), ['completion']).then((output) => {
      io.stdout(output.endsWith('\n') ? output : `${output}\n`);
      return 0;
    });
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function parseWith(y: Argv, argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    void y.parse(argv, {}, (error: Error | undefined, _parsed: unknown, output: string) => {
      if (error) reject(new IoguardError('ERR_USAGE', error.message.split('\n')[0] ?? 'usage error'));
      else resolve(output);
    });
  });
}

function build(pages: YargsPages, args: readonly string[], answer: (list: string[]) => void = () => {}): Argv {
  // No .env(): settings from the environment would leak into nested jobs (and strict mode would
  // refuse unrelated IOGUARD_* variables).
  let y = yargs()
    .scriptName('ioguard')
    .parserConfiguration(PARSER_CONFIGURATION)
    .usage(`Usage: $0 <command> [options]\n\n${pages.description}`);
  for (const c of pages.commands) {
    const positionals = (c.positionals ?? []).map((p) => ` [${p.name}]`).join('');
    y = y.command(`${c.name}${positionals}`, c.summary, (sub) => {
      let s = sub.usage(`Usage: ${c.usage}\n\n${c.summary}`);
      for (const p of c.positionals ?? []) s = s.positional(p.name, { type: 'string', describe: p.describe });
      s = s.options(yargsOptions(c.flags));
      for (const [command, meaning] of c.examples) s = s.example(command, meaning);
      return c.epilogue ? s.epilogue(hangingIndent(c.epilogue, pages.width)) : s;
    });
  }
  return y
    .command('help [command]', 'Show help for a command')
    // Four parameters: yargs passes its default completion as the third only to functions of arity 4.
    .completion('completion', 'Print the completion script for bash or zsh: ioguard completion [bash|zsh] >> ~/.bashrc', (current: string, _argv: unknown, fallback: (onCompleted: (error: unknown, list?: string[]) => void) => void, _done: unknown) => completeWords(args, current, fallback, answer))
    .help()
    .alias('help', 'h')
    .version(pages.version)
    .epilogue(hangingIndent(pages.epilogue, pages.width))
    .wrap(pages.width)
    .exitProcess(false);
}

/** Wrap `  CODE    meaning` rows so continuation lines stay under the meaning (yargs would not indent them). */
function hangingIndent(text: string, width: number): string {
  return text
    .split('\n')
    .map((row) => {
      // yargs drops the rows' leading spaces; indent continuations under the meaning.
      const line = row.trimStart();
      const indent = /^(\S+\s+)/.exec(line)?.[1]?.length ?? 0;
      const out: string[] = [];
      let current = '';
      for (const word of line.split(' ')) {
        if (current.trim() && current.length + 1 + word.length > width - 1) {
          out.push(current);
          current = ' '.repeat(indent) + word;
        } else current = current === '' ? word : `${current} ${word}`;
      }
      out.push(current);
      return out.join('\n');
    })
    .join('\n');
}

function yargsOptions(table: FlagTable): Record<string, Options> {
  const out: Record<string, Options> = {};
  for (const [name, spec] of Object.entries(table)) {
    out[name] = {
      type: spec.type,
      describe: spec.type === 'boolean' && spec.default === true ? `${spec.describe} (turn off with --no-${name})` : spec.describe,
      ...(spec.default === undefined ? {} : { default: spec.default }),
    };
  }
  return out;
}

/**
 * The words after `--` are the job's: the first one completes to a program on PATH, later ones to
 * files (an empty answer makes the shell fall back to file names). Before `--`, yargs' own
 * completion: commands, then the command's flags.
 */
function completeWords(
  args: readonly string[],
  current: string,
  defaultCompletion: (onCompleted: (error: unknown, list?: string[]) => void) => void,
  done: (list: string[]) => void,
): void {
  const words = args.slice(args.indexOf(COMPLETION_KEY) + 1);
  const end = words.indexOf('--');
  // yargs calls this again from inside the command's builder; the inner call has the answer.
  if (end === -1 || end === words.length - 1) return defaultCompletion((_error, list) => done(list ?? []));
  const position = words.length - 1 - end;
  done(position === 1 && !current.includes('/') ? programsOnPath(current) : []);
}

function programsOnPath(prefix: string): string[] {
  const found = new Set<string>();
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      if (!name.startsWith(prefix) || found.has(name)) continue;
      try {
        if (statSync(join(dir, name)).mode & 0o111) found.add(name);
      } catch {
        // a dangling link
      }
    }
  }
  return [...found].sort();
}
