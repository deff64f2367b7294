/** The endpoints of the healthchecks.io protocol: `/start`, `` (success), `/fail`, `/<exit status>`, `/log`. */
export type PingSuffix = 'start' | 'success' | 'fail' | 'log' | number;

/**
 * The URL of one ping: the check's URL with the suffix appended to its path and `rid` (the run's
 * id, pairing a start with its ending) added to its query; a query it already has (`create=1`) stays.
 */
export function pingUrlFor(base: string, suffix: PingSuffix, rid: string): URL {
  const u = new URL(base);
  const path = u.pathname.replace(/\/+$/, '');
  u.pathname = suffix === 'success' ? path || '/' : `${path}/${suffix}`;
  u.searchParams.set('rid', rid);
  return u;
}
