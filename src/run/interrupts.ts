const FORWARDED: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * Signals sent to the wrapper (and an external AbortSignal). Before the job starts they abort the
 * wait; once it runs they go to the job's process group and the wrapper exits after the job does.
 */
export class Interrupts {
  readonly controller = new AbortController();
  received: NodeJS.Signals | null = null;
  private target: ((signal: NodeJS.Signals) => void) | undefined;
  private readonly handlers = new Map<NodeJS.Signals, () => void>();
  private readonly external: AbortSignal | undefined;
  private readonly onExternal = (): void => this.deliver('SIGTERM');

  constructor(forwardSignals: boolean, external?: AbortSignal) {
    if (forwardSignals) {
      for (const signal of FORWARDED) {
        const handler = (): void => this.deliver(signal);
        this.handlers.set(signal, handler);
        process.on(signal, handler);
      }
    }
    this.external = external;
    if (external?.aborted) this.deliver('SIGTERM');
    else external?.addEventListener('abort', this.onExternal, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** From now on signals go to the running job. */
  forwardTo(target: (signal: NodeJS.Signals) => void): void {
    this.target = target;
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
  }
}
