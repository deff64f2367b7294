import { parseArgs } from 'node:util';
import { IoguardError, invalidOption } from '../errors/ioguard-error.ts';

/** One flag: the single source for parsing, defaults, validation and --help. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  describe: string;
  default?: string | boolean;
}

export type FlagTable = Record<string, FlagSpec>;

/** Flag values by name, defaults filled in: strings stay strings (no number parsing). */
export type FlagValues = Record<string, string | boolean | undefined>;

export interface ParsedArgs {
  flags: FlagValues;
  /** Arguments that are not flags, before any `--`. */
  positionals: string[];
  /** Everything after the first `--`, untouched; undefined when there is no `--`. */
  rest: string[] | undefined;
  /** `--help` or `--version` seen before `--`; wins over any other problem. */
  help: boolean;
  version: boolean;
}

/**
 * Parse one command's arguments against its table. `parseArgs` only tokenizes (non-strict, so a
 * value like `-1m` reaches our validators and unknown flags get our message); the checks are here.
 * A repeated flag: the last one wins.
 */
export function parseFlags(args: readonly string[], table: FlagTable): ParsedArgs {
  const options: Record<string, { type: 'string' | 'boolean' }> = { help: { type: 'boolean' }, version: { type: 'boolean' } };
  for (const [name, spec] of Object.entries(table)) options[name] = { type: spec.type };
  const { tokens } = parseArgs({ args: [...args], options, strict: false, allowPositionals: true, tokens: true });
  const parsed: ParsedArgs = { flags: {}, positionals: [], rest: undefined, help: false, version: false };
  let problem: IoguardError | undefined;
  for (const token of tokens) {
    if (token.kind === 'option-terminator') {
      parsed.rest = args.slice(token.index + 1);
      break;
    }
    if (token.kind === 'positional') {
      parsed.positionals.push(token.value);
      continue;
    }
    if (token.name === 'help' || token.name === 'version') {
      parsed[token.name] = true;
      continue;
    }
    problem ??= flagProblem(token.name, token.rawName, token.value, token.inlineValue, table[token.name]);
    if (problem) continue;
    parsed.flags[token.name] = table[token.name]?.type === 'boolean' ? token.value !== 'false' : token.value;
  }
  if (problem && !parsed.help && !parsed.version) throw problem;
  for (const [name, spec] of Object.entries(table)) {
    if (parsed.flags[name] === undefined && spec.default !== undefined) parsed.flags[name] = spec.default;
  }
  return parsed;
}

function flagProblem(name: string, rawName: string, value: string | undefined, inline: boolean | undefined, spec: FlagSpec | undefined): IoguardError | undefined {
  if (!spec) return new IoguardError('ERR_USAGE', `Unknown argument: ${name}`);
  if (spec.type === 'boolean') {
    return value === undefined || value === 'true' || value === 'false' ? undefined : invalidOption(rawName, value, 'true or false');
  }
  // `--name --` or `--name --verbose`: a forgotten value, not a value that looks like a flag.
  if (value === undefined || (!inline && value.startsWith('--'))) {
    return new IoguardError('ERR_USAGE', `${rawName} needs a value (use ${rawName}=VALUE for one that starts with -)`, { option: rawName });
  }
  return undefined;
}

export interface HelpPage {
  usage: string;
  summary: string;
  flags: FlagTable;
  /** Positional arguments, shown before the flags. */
  positionals?: Array<{ name: string; describe: string }>;
  examples: Array<[command: string, meaning: string]>;
  epilogue?: string;
}

/** `--help` text: every flag with its type and default, then examples. Plain ASCII, no width library. */
export function formatHelp(page: HelpPage, width: number): string {
  const rows: Array<[string, string]> = [];
  for (const p of page.positionals ?? []) rows.push([`  ${p.name}`, p.describe]);
  for (const [name, spec] of Object.entries(page.flags)) {
    const shown = spec.default === undefined ? '' : ` [default: ${JSON.stringify(spec.default)}]`;
    rows.push([`  --${name}${spec.type === 'string' ? ' VALUE' : ''}`, `${spec.describe}${shown}`]);
  }
  rows.push(['  --help', 'Show this help'], ['  --version', 'Show the version number']);
  const left = Math.max(...rows.map(([l]) => l.length)) + 2;
  const lines = [`Usage: ${page.usage}`, '', page.summary, ''];
  if (page.positionals?.length) lines.push('Arguments and options:');
  else lines.push('Options:');
  for (const [l, r] of rows) lines.push(...wrap(l.padEnd(left), r, left, width));
  if (page.examples.length > 0) {
    lines.push('', 'Examples:');
    for (const [command, meaning] of page.examples) lines.push(`  ${command}`, ...wrap(' '.repeat(6), meaning, 6, width));
  }
  if (page.epilogue) lines.push('', page.epilogue);
  return `${lines.join('\n')}\n`;
}

function wrap(first: string, text: string, indent: number, width: number): string[] {
  const room = Math.max(30, width - indent);
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > room) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  out.push(line);
  return out.map((l, i) => (i === 0 ? first : ' '.repeat(indent)) + l);
}
