import { join } from 'node:path';
import { writeAtomically } from '../util/file-io.ts';
import { makeDir } from '../util/make-dir.ts';

/** `ioguard_<name>.prom`: the textfile collector reads *.prom, never the temp file beside it. */
export function metricsFile(dir: string, name: string): string {
  return join(dir, `ioguard_${name}.prom`);
}

/** Replace the job's metrics file atomically (temp + rename): a scrape never sees half a file. */
export function writeMetricsFile(dir: string, name: string, text: string): string {
  makeDir(dir, 0o755);
  const path = metricsFile(dir, name);
  // 0644 whatever the umask: node_exporter often runs as another user.
  writeAtomically(path, text, 0o644);
  return path;
}
