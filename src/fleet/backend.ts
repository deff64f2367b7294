/**
 * The fleet lock behind a small interface, so another backend (etcd, Redis, Consul) can follow
 * without touching the run path. One backend object is one session: the lock it acquires lives as
 * long as the session, and the server drops it when the session ends (the holder died).
 */

export type FleetPhase = 'starting' | 'deferring' | 'running' | 'terminating' | 'stuck' | 'adopted' | 'finished';

/** One job's row in the fleet record: who holds (or last held) it. Times are epoch ms. */
export interface FleetHolder {
  namespace: string;
  name: string;
  host: string;
  bootId: string;
  wrapperPid: number;
  jobPid: number | null;
  startedAt: number;
  deadline: number | null;
  phase: FleetPhase;
  heartbeatAt: number;
  finishedAt: number | null;
  /** Increases with every acquisition of this job's lock, on any host. */
  fencingToken: string;
  /** Set by a host that found the job running twice; the holder reports it at its next heartbeat. */
  conflict: string | null;
  /** Whether a live session holds the lock right now (status only). */
  held?: boolean;
}

export interface AcquireRequest {
  name: string;
  host: string;
  bootId: string;
  wrapperPid: number;
  jobPid: number | null;
  deadline: number | null;
  phase: FleetPhase;
}

export type AcquireResult =
  | { kind: 'acquired'; token: string; previous: FleetHolder | null }
  | { kind: 'busy'; holder: FleetHolder | null };

export interface RefreshRequest {
  phase: FleetPhase;
  jobPid: number | null;
  deadline: number | null;
}

export type RefreshResult =
  | { kind: 'ok'; conflict: string | null }
  /** Our token is no longer the row's: another acquisition happened since ours. */
  | { kind: 'superseded'; holder: FleetHolder | null };

export interface FleetBackend {
  /** The server as shown to people (no credentials). */
  readonly where: string;
  /** Try once to take `name`'s lock on this session; never waits for a holder. */
  acquire(request: AcquireRequest): Promise<AcquireResult>;
  /** Heartbeat: refresh the row of the acquisition `token`. */
  refresh(name: string, token: string, update: RefreshRequest): Promise<RefreshResult>;
  /** Mark the row finished (or `phase`) and drop the lock. */
  release(name: string, token: string, phase?: FleetPhase): Promise<void>;
  /** Every job of the namespace, with whether a session holds its lock now. */
  list(): Promise<FleetHolder[]>;
  /** Tell the holder of `name` (through its row) that a second copy runs elsewhere. */
  reportConflict(name: string, message: string): Promise<void>;
  /** End the session (releases any lock it holds). Never throws. */
  close(): Promise<void>;
  /** Called once when the session breaks (server gone, network cut). */
  onLost(listener: (reason: string) => void): void;
}
