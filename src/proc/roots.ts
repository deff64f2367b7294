/** Where /proc and /sys are. Tests point these at fixture folders; production uses the defaults. */
export interface ProcRoots {
  procRoot: string;
  sysRoot: string;
}

export const DEFAULT_ROOTS: ProcRoots = { procRoot: '/proc', sysRoot: '/sys' };

export function resolveRoots(partial: Partial<ProcRoots> = {}): ProcRoots {
  return { procRoot: partial.procRoot ?? DEFAULT_ROOTS.procRoot, sysRoot: partial.sysRoot ?? DEFAULT_ROOTS.sysRoot };
}
