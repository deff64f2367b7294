import { formatDuration } from '../util/duration.ts';
import { tableLines } from '../util/table.ts';
import type { FleetHolder } from './backend.ts';
import { normalizeFleet, type FleetOptions } from './fleet-options.ts';
import { openFleet } from './open-fleet.ts';
import { redactUrl } from './redact.ts';

/** held: a live session holds the lock; lost: the row says busy but no session holds it (the holder died); idle: finished. */
export type FleetJobState = 'held' | 'lost' | 'idle';

/** One row of `ioguard status --fleet`; field names are stable (the --json output). */
export interface FleetJobStatus {
  name: string;
  state: FleetJobState;
  host: string;
  bootId: string;
  phase: string;
  wrapperPid: number;
  jobPid: number | null;
  fencingToken: string;
  startedAt: string;
  deadline: string | null;
  heartbeatAt: string;
  heartbeatAgeSeconds: number;
  finishedAt: string | null;
  conflict: string | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function fleetJobStatus(h: FleetHolder, now: number): FleetJobStatus {
  const state: FleetJobState = h.held ? 'held' : h.phase === 'finished' ? 'idle' : 'lost';
  return {
    name: h.name,
    state,
    host: h.host,
    bootId: h.bootId,
    phase: h.phase,
    wrapperPid: h.wrapperPid,
    jobPid: h.jobPid,
    fencingToken: h.fencingToken,
    startedAt: iso(h.startedAt) as string,
    deadline: iso(h.deadline),
    heartbeatAt: iso(h.heartbeatAt) as string,
    heartbeatAgeSeconds: Math.max(0, Math.round((now - h.heartbeatAt) / 1000)),
    finishedAt: iso(h.finishedAt),
    conflict: h.conflict,
  };
}

/** What `ioguard status --fleet URL` shows, as data. Throws ERR_FLEET_UNAVAILABLE with one clear line. */
export async function listFleetJobs(fleet: FleetOptions | string, options: { name?: string; now?: () => number } = {}): Promise<FleetJobStatus[]> {
  const f = normalizeFleet(fleet)!;
  const backend = await openFleet(f);
  try {
    const now = (options.now ?? Date.now)();
    return (await backend.list()).filter((h) => options.name === undefined || h.name === options.name).map((h) => fleetJobStatus(h, now));
  } finally {
    await backend.close();
  }
}

const HEADERS = ['NAME', 'STATE', 'HOST', 'PHASE', 'WRAPPER', 'JOB', 'TOKEN', 'AGE', 'HEARTBEAT'] as const;

export function formatFleetTable(rows: readonly FleetJobStatus[], now = Date.now()): string {
  if (rows.length === 0) return 'No fleet jobs.\n';
  const cells = rows.map((r) => [
    r.name,
    r.state,
    r.host,
    r.phase,
    String(r.wrapperPid),
    r.jobPid === null ? '-' : String(r.jobPid),
    r.fencingToken,
    formatDuration(Math.max(0, (r.finishedAt ? Date.parse(r.finishedAt) : now) - Date.parse(r.startedAt))),
    `${formatDuration(r.heartbeatAgeSeconds * 1000)} ago${r.conflict ? `  [CONFLICT: ${r.conflict}]` : ''}`,
  ]);
  return tableLines(HEADERS, cells).join('\n') + '\n';
}

export interface FleetReachability {
  /** The server, without credentials. */
  server: string;
  reachable: boolean;
  /** Connect + one query, in ms. */
  latencyMs: number | null;
  jobs: number | null;
  held: number | null;
  error: string | null;
}

/** For `ioguard check`: can this host use the fleet server now? Never throws for an unreachable server. */
export async function checkFleet(fleet: FleetOptions | string): Promise<FleetReachability> {
  const f = normalizeFleet(fleet)!;
  const started = performance.now();
  try {
    const backend = await openFleet(f);
    try {
      const rows = await backend.list();
      const latencyMs = Math.round((performance.now() - started) * 10) / 10;
      return { server: backend.where, reachable: true, latencyMs, jobs: rows.length, held: rows.filter((r) => r.held).length, error: null };
    } finally {
      await backend.close();
    }
  } catch (error) {
    return { server: redactUrl(f.url), reachable: false, latencyMs: null, jobs: null, held: null, error: (error as Error).message };
  }
}

export function formatFleetCheck(r: FleetReachability): string {
  return r.reachable
    ? `\nFleet lock server\n  ${r.server}: reachable in ${r.latencyMs} ms; ${r.jobs} job(s) recorded, ${r.held} held now\n`
    : `\nFleet lock server\n  UNREACHABLE: ${r.error}\n`;
}
