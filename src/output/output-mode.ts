import { choice } from '../util/validate.ts';

/** `inherit`: the job writes straight to ioguard's stdout/stderr (the default); `on-failure`: chronic's rule. */
const OUTPUT_MODES = ['inherit', 'on-failure'] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];

export type JobStdio = 'inherit' | ['inherit', 'pipe', 'pipe'];

export function normalizeOutputMode(value: unknown, option = 'output'): OutputMode {
  return value === undefined ? 'inherit' : choice(option, value, OUTPUT_MODES);
}

/**
 * What a spawn step asks for: pipes only when ioguard must see the output (a ping's tail, or
 * on-failure's buffer); otherwise the job inherits the descriptors and ioguard never touches a byte.
 */
export function jobStdio(mode: OutputMode, keepTail: boolean): JobStdio {
  return mode === 'on-failure' || keepTail ? ['inherit', 'pipe', 'pipe'] : 'inherit';
}
