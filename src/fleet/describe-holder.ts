import { formatDuration } from '../util/duration.ts';
import type { FleetHolder } from './backend.ts';

/** "host web-2 (wrapper pid 812, job pid 815, fencing token 41, running, heartbeat 3s ago)" */
export function describeHolder(h: FleetHolder, now = Date.now()): string {
  const job = h.jobPid === null ? '' : `, job pid ${h.jobPid}`;
  const beat = formatDuration(Math.max(0, now - h.heartbeatAt));
  return `host ${h.host} (wrapper pid ${h.wrapperPid}${job}, fencing token ${h.fencingToken}, ${h.phase}, heartbeat ${beat} ago)`;
}
