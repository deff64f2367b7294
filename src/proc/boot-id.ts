import { readProcFile } from './read-file.ts';
import { DEFAULT_ROOTS, type ProcRoots } from './roots.ts';

/** The kernel's random boot id; a lock record from another boot describes processes that no longer exist. */
export function readBootId(roots: Pick<ProcRoots, 'procRoot'> = DEFAULT_ROOTS): string {
  return (readProcFile(`${roots.procRoot}/sys/kernel/random/boot_id`) ?? 'unknown').trim();
}
