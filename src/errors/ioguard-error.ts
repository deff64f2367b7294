import { EXIT } from './exit-codes.ts';

/** Stable error codes. Callers switch on `code`, never on the message. */
export type IoguardErrorCode =
  | 'ERR_USAGE'
  | 'ERR_INVALID_OPTION'
  | 'ERR_LOCK_DIR_UNSAFE'
  | 'ERR_LOCK_DIR'
  | 'ERR_LOCK'
  | 'ERR_SPAWN'
  | 'ERR_FLEET_UNAVAILABLE'
  | 'ERR_INTERNAL';

const EXIT_BY_CODE: Record<IoguardErrorCode, number> = {
  ERR_USAGE: EXIT.usage,
  ERR_INVALID_OPTION: EXIT.usage,
  ERR_LOCK_DIR_UNSAFE: EXIT.internal,
  ERR_LOCK_DIR: EXIT.internal,
  ERR_LOCK: EXIT.internal,
  ERR_SPAWN: EXIT.internal,
  // The fleet lock server is down or refuses us: the run is skipped with the reason (--fleet-unavailable).
  ERR_FLEET_UNAVAILABLE: EXIT.skipped,
  ERR_INTERNAL: EXIT.internal,
};

/** The one error type of ioguard. `message` is a single line meant for a person. */
export class IoguardError extends Error {
  override readonly name = 'IoguardError';
  readonly code: IoguardErrorCode;
  readonly exitCode: number;
  /** The option at fault, when there is one (e.g. `--timeout` or `timeoutMs`). */
  readonly option: string | undefined;

  constructor(code: IoguardErrorCode, message: string, details: { option?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.exitCode = EXIT_BY_CODE[code];
    this.option = details.option;
  }
}

export function isIoguardError(value: unknown): value is IoguardError {
  return value instanceof IoguardError;
}

/** Passed as the value of an option that may hold a secret (a URL with its password): never echoed. */
export const HIDDEN = '(hidden)';

// What each option error expected (and whether its value was hidden), so the CLI can tell the same problem in its flag's words.
const EXPECTED = new WeakMap<IoguardError, string>();
const HIDDEN_VALUE = new WeakSet<IoguardError>();
const PROBLEM = new WeakSet<IoguardError>();

/** An option error that names the option, the value and what was expected. */
export function invalidOption(option: string, value: unknown, expected: string): IoguardError {
  const shown = typeof value === 'string' || Array.isArray(value) ? JSON.stringify(value) : `${String(value)} (${typeof value})`;
  const error = new IoguardError('ERR_INVALID_OPTION', `${option}: ${shown} is not ${expected}`, { option });
  EXPECTED.set(error, expected);
  if (value === HIDDEN) HIDDEN_VALUE.add(error);
  return error;
}

/**
 * An option error told as a problem in words (`fleet.url: the port 99999 is out of range`), for a
 * value that must never be echoed; renamed like the others, still without the value.
 */
export function optionProblem(option: string, problem: string): IoguardError {
  const error = new IoguardError('ERR_INVALID_OPTION', `${option}: ${problem}`, { option });
  PROBLEM.add(error);
  return error;
}

/**
 * The same option error told with another name for the option (a CLI flag) and the text typed for
 * it instead of the value it became; a hidden value stays hidden. Other errors come back unchanged.
 */
export function renameOption(error: unknown, option: string, typed: string | undefined): unknown {
  if (!(error instanceof IoguardError)) return error;
  if (PROBLEM.has(error) && error.option !== undefined) return optionProblem(option, error.message.slice(error.option.length + 2));
  const expected = EXPECTED.get(error);
  if (expected === undefined || error.option === undefined) return error;
  if (HIDDEN_VALUE.has(error)) return new IoguardError('ERR_INVALID_OPTION', `${option}: not ${expected}`, { option });
  if (typed === undefined) return new IoguardError('ERR_INVALID_OPTION', `${option}${error.message.slice(error.option.length)}`, { option });
  return invalidOption(option, typed, expected);
}
