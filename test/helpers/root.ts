/**
 * The `skip` option of a test that needs root: false as root, else the one-line reason the test
 * runner prints, e.g. `{ skip: needsRoot('cgroup v1 blkio throttling') }`.
 */
export function needsRoot(what: string): false | string {
  return process.getuid?.() !== 0 && `needs root: ${what}`;
}
