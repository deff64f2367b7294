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
    return { script: 'kill -CONT -- "-$1" 2>/dev/null', args: [String(this.pgid)] };
  }

  describe(): string {
    return `SIGSTOP to group ${this.pgid}`;
  }

  async release(): Promise<void> {}
}
