import { hostname } from 'node:os';
import { isIoguardError, type IoguardError } from '../../errors/ioguard-error.ts';
import type { RunRecord } from '../../lock/record.ts';
import { notStarted, type RunContext } from '../context.ts';
import type { RunResult } from '../result.ts';
import { held, type Step } from '../run-state.ts';
import type { AcquireResult, FleetBackend, FleetPhase } from '../../fleet/backend.ts';
import { describeHolder } from '../../fleet/describe-holder.ts';
import { FleetLease, type LeaseRun } from '../../fleet/fleet-lease.ts';
import { openFleet } from '../../fleet/open-fleet.ts';

export type FleetTaken = { proceed: false } | { proceed: true; lease: FleetLease | undefined };

const POLL_MS = 1000;

/** The lease's view of a run: its identity, and the record's current phase for the heartbeat. */
export function leaseRun(ctx: RunContext, record: RunRecord): LeaseRun {
  return {
    name: ctx.name,
    host: record.host || hostname(),
    bootId: ctx.bootId,
    wrapperPid: record.wrapper.pid,
    fleet: ctx.o.fleet!,
    log: ctx.log,
    report: ctx.report,
    state: () => ({ phase: record.phase as FleetPhase, jobPid: record.job?.pid ?? null, deadline: record.deadline }),
  };
}

/** The fleet step: the lease is released when the run ends, as stuck when processes survived SIGKILL. */
export const fleetStep: Step = {
  name: 'fleet',
  async enter(state) {
    const taken = await takeFleetLock(state.ctx, held(state).record, state.result);
    if (!taken.proceed) return 'stop';
    state.lease = taken.lease;
    return 'proceed';
  },
  async exit(state) {
    await state.lease?.release(state.keepRecord ? 'stuck' : 'finished');
  },
};

/**
 * After the local lock, before the gate: take the job's fleet lock (the same job name on every
 * host). Busy elsewhere: a skip like a local busy run. Server unusable: --fleet-unavailable decides.
 * The returned lease is already heartbeating; release it when the run ends.
 */
async function takeFleetLock(ctx: RunContext, record: RunRecord, result: RunResult): Promise<FleetTaken> {
  if (!ctx.o.fleet) return { proceed: true, lease: undefined };
  const run = leaseRun(ctx, record);
  let backend: FleetBackend | undefined;
  try {
    backend = await openFleet(run.fleet);
    const started = ctx.now();
    const request = { name: run.name, host: run.host, bootId: run.bootId, wrapperPid: run.wrapperPid, jobPid: null, deadline: null, phase: 'starting' as const };
    let got: AcquireResult = await backend.acquire(request);
    // --on-busy wait covers the fleet too, within the same bound; replace cannot reach another host's processes.
    while (got.kind === 'busy' && ctx.o.onBusy === 'wait' && ctx.now() - started < ctx.o.waitMs && !ctx.interrupts.received) {
      await new Promise((r) => setTimeout(r, Math.min(POLL_MS, ctx.o.waitMs - (ctx.now() - started))));
      got = await backend.acquire(request);
    }
    if (got.kind === 'busy') {
      await backend.close();
      result.waitedMs += ctx.now() - started;
      const reason = `running elsewhere in the fleet: ${got.holder ? describeHolder(got.holder, ctx.now()) : 'the fleet lock is held'}`;
      const exitCode = ctx.o.skipExitCode;
      notStarted(ctx, result, { outcome: 'skipped', reason, exitCode, fields: { fleet: backend.where, holder: got.holder, exitCode } });
      return { proceed: false };
    }
    const lease = new FleetLease(run, backend, got.token);
    ctx.log.log('info', 'fleet-acquired', `took the fleet lock on ${backend.where} (fencing token ${got.token})`, { token: got.token, previous: got.previous });
    const p = got.previous;
    if (p?.conflict) lease.conflict(`the previous run reported: ${p.conflict}`, { previous: p });
    if (p && p.phase !== 'finished' && (p.host !== run.host || p.bootId !== run.bootId)) {
      const line = p.phase === 'stuck'
        ? `the previous run, ${describeHolder(p, ctx.now())}, left processes there that survived SIGKILL; they may still hold what the job uses`
        : `the previous holder, ${describeHolder(p, ctx.now())}, ended without releasing the fleet lock; if its job still runs there, that host reports the conflict at its next start`;
      ctx.report(`ioguard: job "${ctx.name}": ${line}`, 'alert');
      ctx.log.log('warn', 'fleet-previous-unclean', line, { previous: p });
    }
    lease.start();
    return { proceed: true, lease };
  } catch (error) {
    await backend?.close();
    if (!isIoguardError(error) || error.code !== 'ERR_FLEET_UNAVAILABLE') throw error;
    return unavailableStep(ctx, result, error);
  }
}

/** The server is down, unreachable or refuses us: skip with the reason (default) or run under the local lock only. */
function unavailableStep(ctx: RunContext, result: RunResult, error: IoguardError): FleetTaken {
  const policy = ctx.o.fleet!.unavailable;
  if (policy === 'run-local') {
    ctx.report(`ioguard: job "${ctx.name}": ${error.message}; running under the local lock only (--fleet-unavailable run-local)`, 'alert');
    ctx.log.log('warn', 'fleet-unavailable', error.message, { policy });
    return { proceed: true, lease: undefined };
  }
  const exitCode = ctx.o.skipExitCode;
  notStarted(ctx, result, {
    outcome: 'skipped',
    reason: error.message,
    exitCode,
    line: `ioguard: job "${ctx.name}" not started: ${error.message} (--fleet-unavailable skip)`,
    kind: 'alert',
    level: 'warn',
    event: 'fleet-unavailable',
    fields: { policy, exitCode },
  });
  return { proceed: false };
}
