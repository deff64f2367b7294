import { readFileSync } from 'node:fs';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Node decodes argv and the environment as UTF-8 and replaces invalid bytes with U+FFFD, so a
 * Latin-1 file name would reach the job as another name. Node cannot pass such bytes through;
 * the kernel's copies in /proc/self/cmdline and /proc/self/environ show them. Returns the one-line
 * reason to refuse, or undefined when every byte is valid UTF-8 (or /proc is not readable).
 */
export function refuseMangledBytes(procRoot = '/proc'): string | undefined {
  const limit = 'Node.js cannot pass bytes that are not UTF-8 to a job unchanged';
  const args = invalidEntries(read(`${procRoot}/self/cmdline`));
  if (args[0]) return `an argument is not valid UTF-8 (${args[0]}): ${limit}; refusing rather than run the job on different data`;
  const env = invalidEntries(read(`${procRoot}/self/environ`));
  if (env[0]) return `environment variable ${env[0].split('=')[0]} is not valid UTF-8: ${limit}; refusing rather than run the job on different data`;
  return undefined;
}

function read(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    return Buffer.alloc(0);
  }
}

/** NUL-separated entries that are not valid UTF-8, shown with their bad bytes as \xNN. */
export function invalidEntries(bytes: Buffer): string[] {
  // The common case: pure ASCII, nothing to decode.
  if (bytes.every((b) => b < 0x80)) return [];
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i < bytes.length && bytes[i] !== 0) continue;
    const entry = bytes.subarray(start, i);
    start = i + 1;
    try {
      utf8.decode(entry);
    } catch {
      out.push(escapeBytes(entry));
    }
  }
  return out;
}

function escapeBytes(entry: Buffer): string {
  let text = '';
  for (const b of entry) text += b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
