import { existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * mkdir -p that fails instead of spinning: Node 20's recursive mkdirSync loops forever on paths
 * where mkdir answers ENOENT although the parent exists (e.g. under /proc). Measured: 92% CPU.
 */
export function makeDir(dir: string, mode: number): void {
  try {
    mkdirSync(dir, { mode });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir || existsSync(parent)) throw error;
    makeDir(parent, 0o755);
    mkdirSync(dir, { mode });
  }
}
