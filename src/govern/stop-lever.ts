import { signalGroup } from '../terminate/signal-group.ts';
import type { Lever } from './lever.ts';

/** SIGSTOP/SIGCONT of the job's process group: any kernel, any cgroup version, no root. */
export class StopLever implements Lever {
  readonly kind = 'stop' as const;
  readonly pgid: number;

  constructor(pgid: number) {
    this.pgid = pgid;
  }

  pause(): boolean {
    return signalGroup(this.pgid, 'SIGSTOP');
  }

  resume(): void {
    signalGroup(this.pgid, 'SIGCONT');
  }

  undo(): { script: string; args: string[] } {
    // `kill -CONT -PGID`, not `kill -CONT -- -PGID`: dash (Debian's /bin/sh) rejects `--`. A group
    // that is gone is nothing to resume; any other failure reaches the watchdog's stderr.
    return { script: 'kill -0 "-$1" 2>/dev/null || exit 0; kill -CONT "-$1"', args: [String(this.pgid)] };
  }

  describe(): string {
    return `SIGSTOP to group ${this.pgid}`;
  }

  async release(): Promise<void> {}
}
