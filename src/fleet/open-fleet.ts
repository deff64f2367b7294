import type { FleetBackend } from './backend.ts';
import type { NormalizedFleet } from './fleet-options.ts';

/**
 * Open a session on the fleet server named by the URL's scheme. The only place that knows which
 * backends exist: another (etcd://, redis://) is one more branch here and a class implementing
 * FleetBackend; the run path does not change. Throws ERR_FLEET_UNAVAILABLE with one clear line.
 */
export async function openFleet(f: NormalizedFleet): Promise<FleetBackend> {
  const { PostgresFleet } = await import('./postgres-backend.ts');
  return PostgresFleet.connect(f);
}
