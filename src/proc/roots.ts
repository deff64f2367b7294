/** Where /proc and /sys are. Tests point these at fixture folders; production uses the defaults. */
export interface ProcRoots {
  procRoot: string;
  sysRoot: string;
  /** Where /run is (machine-wide state such as the backlog bounds' ledgers); default /run. */
  runRoot?: string;
}

export const DEFAULT_ROOTS: ProcRoots = { procRoot: '/proc', sysRoot: '/sys' };

export function resolveRoots(partial: Partial<ProcRoots> = {}): ProcRoots {
  const roots: ProcRoots = { procRoot: partial.procRoot ?? DEFAULT_ROOTS.procRoot, sysRoot: partial.sysRoot ?? DEFAULT_ROOTS.sysRoot };
  if (partial.runRoot !== undefined) roots.runRoot = partial.runRoot;
  return roots;
}
