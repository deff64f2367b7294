import { parsePsi, type PsiResource } from './parse-psi.ts';
import { readSignal } from './read-signal.ts';
import type { ProcRoots } from './roots.ts';

export type PsiResourceName = 'io' | 'memory' | 'cpu';
export const PSI_RESOURCES: readonly PsiResourceName[] = ['io', 'memory', 'cpu'];

export type PsiRead =
  | { ok: true; value: PsiResource }
  | { ok: false; reason: 'missing' | 'unreadable'; path: string };

/** Read /proc/pressure/<resource>. Missing (kernel < 4.20, psi=0) is a normal answer, not an error. */
export function readPsi(resource: PsiResourceName, roots: Pick<ProcRoots, 'procRoot'>): PsiRead {
  const path = `${roots.procRoot}/pressure/${resource}`;
  const read = readSignal(path);
  if (!read.ok) return read;
  const value = parsePsi(read.text);
  // A file that exists but does not parse is as useless as one we may not read.
  return value === undefined ? { ok: false, reason: 'unreadable', path } : { ok: true, value };
}
