import parser from 'yargs-parser';
import { IoguardError, invalidOption } from '../errors/ioguard-error.ts';

/** One flag: the single source for parsing, defaults, validation, --help and completion. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  describe: string;
  /** A boolean defaulting to true is turned off with `--no-NAME` (yargs' boolean negation). */
  default?: string | boolean;
  /** The library option the flag sets (`gate.deferMaxMs`): the library's errors about it are told with the flag's name. */
  option?: string;
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
  /** `--help`/`-h` or `--version` seen before `--`; wins over any other problem. */
  help: boolean;
  version: boolean;
}

/**
 * yargs-parser, the engine of yargs, configured so that the job's argv after `--` arrives verbatim
 * (`0x10`, `007`, `1e3` stay strings) and every flag is spelled one way (no camelCase copies, a
 * repeated flag keeps its last value). yargs itself loads only for --help and completion.
 */
export const PARSER_CONFIGURATION = {
  'populate--': true,
  'boolean-negation': true,
  'parse-positional-numbers': false,
  'parse-numbers': false,
  'camel-case-expansion': false,
  'duplicate-arguments-array': false,
  'greedy-arrays': false,
  'dot-notation': false,
  'short-option-groups': false,
} as const;

const BUILT_IN: FlagTable = {
  help: { type: 'boolean', describe: 'Show help' },
  version: { type: 'boolean', describe: 'Show the version number' },
};

/**
 * Parse one command's arguments against its table. Unknown flags, a string flag without a value
 * and a boolean given a value other than true/false are refused with one line naming the flag as
 * typed (with a "did you mean" for a near miss); values are checked by the callers' validators.
 */
export function parseFlags(args: readonly string[], table: FlagTable): ParsedArgs {
  const end = args.indexOf('--');
  const all: FlagTable = { ...table, ...BUILT_IN };
  const before = joinDashValues(end === -1 ? [...args] : args.slice(0, end), all);
  const names = Object.keys(all);
  const { argv } = parser.detailed(before, {
    configuration: PARSER_CONFIGURATION,
    string: names.filter((n) => all[n]!.type === 'string'),
    boolean: names.filter((n) => all[n]!.type === 'boolean'),
    alias: { help: ['h'] },
  });
  const parsed: ParsedArgs = {
    flags: {},
    positionals: argv._.map(String),
    // The raw arguments, not yargs-parser's `--` array: it is `[]` even when no `--` was given.
    rest: end === -1 ? undefined : args.slice(end + 1),
    help: argv.help === true,
    version: argv.version === true,
  };
  const problem = findProblem(before, argv, all);
  if (problem && !parsed.help && !parsed.version) throw problem;
  for (const [name, spec] of Object.entries(table)) {
    const value = argv[name] as string | boolean | undefined;
    parsed.flags[name] = value ?? spec.default;
  }
  return parsed;
}

/** `--log-file -`: yargs-parser reads a lone `-` as a positional (stdin); here it is the value. */
function joinDashValues(args: string[], table: FlagTable): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const name = flagName(arg);
    if (name !== undefined && !arg.includes('=') && table[name]?.type === 'string' && args[i + 1] === '-') {
      out.push(`${arg}=-`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function findProblem(raw: readonly string[], argv: Record<string, unknown>, table: FlagTable): IoguardError | undefined {
  for (const arg of raw) {
    const name = flagName(arg);
    const spec = name === undefined ? undefined : table[name];
    if (!spec || name === undefined) continue;
    const rawName = arg.split('=')[0] as string;
    const inline = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : undefined;
    if (spec.type === 'boolean' && inline !== undefined && inline !== 'true' && inline !== 'false') return invalidOption(rawName, inline, 'true or false');
    // `--name --` or `--name --verbose` or `--stuck-after -1m`: a missing value, not a value that looks like a flag.
    if (spec.type === 'string' && inline === undefined && argv[name] === '') {
      return new IoguardError('ERR_USAGE', `${rawName} needs a value (use ${rawName}=VALUE for one that starts with -)`, { option: rawName });
    }
  }
  for (const key of Object.keys(argv)) {
    if (key === '_' || key === '--' || key === 'h' || table[key]) continue;
    const typed = raw.find((a) => flagName(a) === key || flagName(a) === `no-${key}`) ?? (key.length === 1 ? `-${key}` : `--${key}`);
    return unknownFlag(typed.split('=')[0] as string, Object.keys(table));
  }
  return undefined;
}

/** `--max-util=5` → `max-util`; `-h` → `h`; a value such as `-5` or `x` → undefined. */
function flagName(arg: string): string | undefined {
  const m = /^--?([^-=\d][^=]*)/.exec(arg);
  return m?.[1];
}

/** "Unknown flag --tiemout; did you mean --timeout?" for an edit distance of at most 2. */
export function unknownFlag(typed: string, known: readonly string[]): IoguardError {
  const bare = typed.replace(/^-+/, '');
  const guess = closest(bare.replace(/^no-/, ''), known);
  const hint = guess ? `; did you mean --${guess}?` : '';
  return new IoguardError('ERR_USAGE', `unknown flag ${typed}${hint}`, { option: typed });
}

/** The nearest name within an edit distance of 2 (or a unique prefix), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = c.startsWith(word) && word.length >= 3 ? 1 : distance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** Damerau-Levenshtein (optimal string alignment): a swapped pair of letters counts once. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
