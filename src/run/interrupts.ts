/** Signals that end a run: passed to the job's group, bounded by --kill-after. */
const ENDING: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT'];
/**
 * SIGALRM says "time is up now", as it does to timeout(1): the running job is timed out at once
 * (its group gets --kill-signal, then SIGKILL after the grace; exit 124). Before the job starts it
 * ends the wait like TERM. Without a listener it would kill the wrapper and orphan the job.
 */
const ALARM: NodeJS.Signals = 'SIGALRM';
/** Signals that ask a job something (report progress, reopen logs): passed on, never bounded. */
const PASSED: readonly NodeJS.Signals[] = ['SIGUSR1', 'SIGUSR2'];

let inspectorShielded = false;

/**
 * Node opens its inspector on 127.0.0.1:9229 when it receives SIGUSR1 and nothing listens for it:
 * in a root wrapper that is a root shell for any local user (`pkill -USR1 node` in a rotation
 * script is enough). A listener turns that off. It stays for the life of the process, because
 * removing the last listener later makes SIGUSR1 kill the process instead. Installed by every
 * entry point (CLI, runCommand, guard); a process that listens itself is left alone.
 */
export function shieldInspector(): void {
  if (inspectorShielded) return;
  inspectorShielded = true;
  if (process.listenerCount('SIGUSR1') === 0) process.on('SIGUSR1', () => {});
}

/**
 * Signals sent to the wrapper (and an external AbortSignal). Before the job starts, TERM/INT/HUP
 * abort the wait; once it runs they go to the job's process group and the wrapper exits after the
 * job does. With `forwardSignals` (the CLI) QUIT ends a run the same way, USR1 and USR2 go to the
 * running job's group as they are (ignored before it starts), and ALRM times the job out now.
 */
export class Interrupts {
  readonly controller = new AbortController();
  received: NodeJS.Signals | null = null;
  private target: ((signal: NodeJS.Signals) => void) | undefined;
  private pass: ((signal: NodeJS.Signals) => void) | undefined;
  private alarm: (() => void) | undefined;
  private readonly handlers = new Map<NodeJS.Signals, () => void>();
  private readonly external: AbortSignal | undefined;
  private readonly onExternal = (): void => this.deliver('SIGTERM');

  constructor(forwardSignals: boolean, external?: AbortSignal) {
    shieldInspector();
    if (forwardSignals) {
      for (const signal of ENDING) this.listen(signal, () => this.deliver(signal));
      for (const signal of PASSED) this.listen(signal, () => this.pass?.(signal));
      this.listen(ALARM, () => (this.alarm ? this.alarm() : this.deliver(ALARM)));
    }
    this.external = external;
    if (external?.aborted) this.deliver('SIGTERM');
    else external?.addEventListener('abort', this.onExternal, { once: true });
  }

  private listen(signal: NodeJS.Signals, handler: () => void): void {
    this.handlers.set(signal, handler);
    process.on(signal, handler);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** From now on ending signals go to `target` (the running job), USR1/USR2 to `pass`, SIGALRM to `alarm`. */
  forwardTo(target: (signal: NodeJS.Signals) => void, pass?: (signal: NodeJS.Signals) => void, alarm?: () => void): void {
    this.target = target;
    this.pass = pass;
    this.alarm = alarm;
  }

  private deliver(signal: NodeJS.Signals): void {
    this.received ??= signal;
    if (this.target) this.target(signal);
    else this.controller.abort(signal);
  }

  dispose(): void {
    for (const [signal, handler] of this.handlers) process.off(signal, handler);
    this.external?.removeEventListener('abort', this.onExternal);
    this.target = undefined;
    this.pass = undefined;
    this.alarm = undefined;
  }
}
