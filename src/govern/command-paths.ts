import { resolve } from 'node:path';

/** Not a local path: URLs, `host:/path`, `user@host:path`, sed and date expressions. */
const NOT_A_PATH = /:\/\/|^[\w.-]*@?[\w.-]+:|^s\/|[$`%*?]/;

/**
 * The words of a command that may name where it writes: absolute paths (`/srv/x`), relative
 * ones that say so (`./x`, `../x`), and the values of `key=` and `--flag=` words (`of=/srv/x`),
 * made absolute against `cwd`. An argument with spaces (`sh -c 'rsync -a /src/ /dst/'`) is split
 * into its words, quotes dropped. A guess, which the running job's open files confirm or not; the
 * caller keeps only folders and paths about to be created (`guessWhereWritten`).
 */
export function commandPaths(argv: readonly string[], cwd: string): string[] {
  const out = new Set<string>();
  for (const arg of argv.slice(1)) {
    for (const raw of arg.split(/[\s;|&()<>]+/)) {
      const word = raw.replace(/^['"]+|['"]+$/g, '');
      const value = /^-{0,2}[A-Za-z][\w-]*=(.*)$/s.exec(word)?.[1] ?? word;
      if (!/^(\/|\.\.?\/)/.test(value) || NOT_A_PATH.test(value)) continue;
      out.add(resolve(cwd, value));
    }
  }
  return [...out];
}
