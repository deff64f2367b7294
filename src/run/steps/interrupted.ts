import { skippedByInterrupt } from '../context.ts';
import type { Step } from '../run-state.ts';

/** A signal (or an aborted AbortSignal) that arrived while the lock was taken: skip, 128+N, before any wait. */
export const interruptedStep: Step = {
  name: 'interrupted',
  enter: (state) => (skippedByInterrupt(state.ctx, state.result) ? 'stop' : 'proceed'),
};
