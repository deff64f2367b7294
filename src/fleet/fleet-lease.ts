import type { DecisionLog } from '../log/decision-log.ts';
import { formatDuration } from '../util/duration.ts';
import type { FleetBackend, FleetHolder, RefreshRequest } from './backend.ts';
import { describeHolder } from './describe-holder.ts';
import type { NormalizedFleet } from './fleet-options.ts';
import { openFleet } from './open-fleet.ts';

/** What a lease needs from its run: who it is, where to speak, and the run's current state for the row. */
export interface LeaseRun {
  name: string;
  host: string;
  bootId: string;
  wrapperPid: number;
  fleet: NormalizedFleet;
  log: DecisionLog;
  report: (line: string, kind: 'alert' | 'info') => void;
  state: () => RefreshRequest;
}

/**
 * The fleet lock while a run holds it: a heartbeat refreshes the row; a lost session (server
 * restarted, network cut) is said once and retaken at the next beats; a second copy elsewhere is
 * said loudly on this side (stderr + log) and, through the row, on the other.
 */
export class FleetLease {
  token: string;
  /** Set when this run learned that another host ran (or runs) the same job. */
  conflicted = false;
  private backend: FleetBackend | undefined;
  private readonly run: LeaseRun;
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Timeout | undefined;
  private beating: Promise<void> | undefined;
  private readonly told = new Set<string>();
  /** When the lock was last known held (acquired, refreshed, retaken): the start of a loss. */
  private heldAt = Date.now();
  private whenLost: ((line: string) => void) | undefined;

  constructor(run: LeaseRun, backend: FleetBackend, token: string) {
    this.run = run;
    this.backend = backend;
    this.token = token;
  }

  start(): void {
    this.backend?.onLost((reason) => this.lose(reason));
    this.heldAt = Date.now();
    this.timer = setInterval(() => {
      this.checkLost();
      this.beatNow();
    }, this.run.fleet.heartbeatMs);
    this.timer.unref();
  }

  /**
   * With `--fleet-lost terminate`: called once when the lock has not been held for three
   * heartbeats and retaking it failed meanwhile, with the one line that says so.
   */
  onLostForGood(listener: (line: string) => void): void {
    if (this.run.fleet.lost === 'terminate') this.whenLost = listener;
  }

  private checkLost(): void {
    if (this.backend || !this.whenLost) return;
    const limit = this.run.fleet.heartbeatMs * 3;
    const since = Date.now() - this.heldAt;
    if (since < limit) return;
    const listener = this.whenLost;
    this.whenLost = undefined;
    listener(`fleet lock not held for ${formatDuration(since)} (3 heartbeats) and not retaken; terminating the job (--fleet-lost terminate)`);
  }

  /**
   * The job just started: refresh the row soon so status shows its pid, without a round trip on
   * the path of a job that ends at once (the release writes the row anyway).
   */
  touch(): void {
    clearTimeout(this.soon);
    this.soon = setTimeout(() => this.beatNow(), 250);
    this.soon.unref();
  }

  private beatNow(): void {
    this.beating ??= this.beat().finally(() => (this.beating = undefined));
  }

  /** Say a conflict once per distinct message, loudly: two copies of a job must never run silently. */
  conflict(message: string, fields: Record<string, unknown>): void {
    this.conflicted = true;
    if (this.told.has(message)) return;
    this.told.add(message);
    this.run.report(`ioguard: job "${this.run.name}": FLEET CONFLICT: ${message}`, 'alert');
    this.run.log.log('error', 'fleet-conflict', message, fields);
  }

  private lose(reason: string): void {
    if (!this.backend) return;
    this.backend = undefined;
    const fate = this.whenLost ? `the job is terminated unless the lock is retaken within ${formatDuration(this.run.fleet.heartbeatMs * 3)}` : 'the job continues';
    const line = `lost the fleet lock (${reason}); ${fate}, retaking the lock every ${formatDuration(this.run.fleet.heartbeatMs)}`;
    this.run.report(`ioguard: job "${this.run.name}": ${line}`, 'alert');
    this.run.log.log('warn', 'fleet-lost', line, { token: this.token });
  }

  private async beat(): Promise<void> {
    const backend = this.backend;
    if (!backend) return this.retake();
    try {
      const r = await backend.refresh(this.run.name, this.token, this.run.state());
      if (r.kind === 'ok') {
        this.heldAt = Date.now();
        if (r.conflict) this.conflict(r.conflict, { token: this.token });
        return;
      }
      this.conflict(`another acquisition replaced this run's fleet record: ${r.holder ? describeHolder(r.holder) : 'row gone'}`, { token: this.token, holder: r.holder });
    } catch (error) {
      this.lose((error as Error).message);
      await backend.close();
    }
  }

  /** The session is gone: take the lock again on the job's behalf, or say who has it. */
  private async retake(): Promise<void> {
    let backend: FleetBackend | undefined;
    try {
      backend = await openFleet(this.run.fleet);
      const s = this.run.state();
      const { name, host, bootId, wrapperPid } = this.run;
      const got = await backend.acquire({ name, host, bootId, wrapperPid, jobPid: s.jobPid, deadline: s.deadline, phase: s.phase });
      if (got.kind === 'busy') {
        const message = `this host's run is still going, but ${got.holder ? describeHolder(got.holder) : 'another session'} holds the fleet lock: two copies are running`;
        this.conflict(message, { holder: got.holder });
        await backend.reportConflict(this.run.name, `host ${this.run.host} (wrapper pid ${this.run.wrapperPid}) still runs this job: two copies are running`).catch(() => {});
        await backend.close();
        return;
      }
      const previous: FleetHolder | null = got.previous;
      if (previous && previous.fencingToken !== this.token) {
        this.conflict(`while this run had lost the fleet lock, ${describeHolder(previous)} took it: the job may have run twice`, { previous });
      }
      this.run.log.log('info', 'fleet-reacquired', `retook the fleet lock (fencing token ${got.token}; the job keeps ${this.token})`, { token: got.token, jobToken: this.token });
      this.token = got.token;
      this.backend = backend;
      this.heldAt = Date.now();
      backend.onLost((reason) => this.lose(reason));
    } catch {
      // Still unreachable: try again at the next beat; the loss was already said.
      await backend?.close();
    }
  }

  /** Stop the heartbeat, mark the row and drop the lock. Never throws: the job's result matters more. */
  async release(phase: 'finished' | 'stuck' = 'finished'): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.soon);
    await this.beating;
    const backend = this.backend;
    this.backend = undefined;
    if (!backend) return;
    try {
      await backend.release(this.run.name, this.token, phase);
      this.run.log.log('info', 'fleet-released', `released the fleet lock (${phase})`, { token: this.token });
    } catch (error) {
      this.run.log.log('warn', 'fleet-lost', `could not mark the fleet record (${(error as Error).message}); the server drops the lock with the session`, { token: this.token });
      await backend.close();
    }
  }
}
