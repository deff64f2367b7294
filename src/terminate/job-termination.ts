import type { ProcessSample } from '../proc/processes.ts';
import type { ProcRoots } from '../proc/roots.ts';
import { signalGroup } from './signal-group.ts';
import { terminateGroup, UNKILLABLE_WAIT_MS } from './terminate-group.ts';

export interface JobTerminationOptions {
  pgid: number;
  leaderPid: number;
  members: () => Array<{ pid: number }>;
  killSignal: NodeJS.Signals;
  killAfterMs: number;
  roots: Pick<ProcRoots, 'procRoot'>;
  onEscalate: (remaining: number, after: NodeJS.Signals) => void;
}

/**
 * Ends a running job's whole process group, once: at the deadline, on a forwarded signal, or as
 * the sweep of leftovers after the leader exits. Remembers whether SIGKILL was needed and which
 * processes survived it; `leaderSurvived` settles when the leader itself cannot be killed, so the
 * wrapper does not wait forever for an exit that will not come.
 */
export class JobTermination {
  timedOut = false;
  forced = false;
  survivors: ProcessSample[] = [];
  private running: Promise<void> | undefined;
  private settleLeader: (() => void) | undefined;
  readonly leaderSurvived: Promise<void>;
  private readonly o: JobTerminationOptions;

  constructor(o: JobTerminationOptions) {
    this.o = o;
    this.leaderSurvived = new Promise((resolve) => (this.settleLeader = resolve));
  }

  /** The deadline passed. */
  timeout(): Promise<void> {
    this.timedOut = true;
    return this.terminate(this.o.killSignal);
  }

  /** A signal sent to the wrapper: pass it on, and bound what follows like a timeout does. */
  forward(signal: NodeJS.Signals): void {
    if (this.running) {
      signalGroup(this.o.pgid, signal);
      return;
    }
    void this.terminate(signal);
  }

  /** The run may not go on (`--fleet-lost terminate`): end the group as a timeout does (signal, grace, SIGKILL). */
  end(): Promise<void> {
    return this.terminate(this.o.killSignal);
  }

  /** After the leader exited: whatever is left of its group goes too. */
  sweep(): Promise<void> {
    return this.running ?? this.terminate(this.o.killSignal);
  }

  /** True once a termination (timeout, forwarded signal, sweep) has begun. */
  get active(): boolean {
    return this.running !== undefined;
  }

  get done(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private terminate(signal: NodeJS.Signals): Promise<void> {
    this.running ??= terminateGroup({
      pgid: this.o.pgid,
      members: this.o.members,
      signal,
      graceMs: this.o.killAfterMs,
      unkillableWaitMs: UNKILLABLE_WAIT_MS,
      roots: this.o.roots,
      onEscalate: (left) => this.o.onEscalate(left.length, signal),
    }).then((r) => {
      this.forced ||= r.forced;
      this.survivors = r.survivors;
      if (r.survivors.some((s) => s.pid === this.o.leaderPid)) this.settleLeader?.();
    });
    return this.running;
  }
}
