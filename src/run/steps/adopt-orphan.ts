import { hostname } from 'node:os';
import { EXIT } from '../../errors/exit-codes.ts';
import { isIoguardError } from '../../errors/ioguard-error.ts';
import type { LockOutcome } from '../../lock/acquire.ts';
import { closeFd, openLockFile, tryFlock } from '../../lock/flock.ts';
import { liveJobProcesses } from '../../lock/job-processes.ts';
import { judgePrevious, type PreviousRun } from '../../lock/judge.ts';
import { jobPaths } from '../../lock/lock-dir.ts';
import { readRecord, removeRecord, stuckRecord, writeRecord } from '../../lock/record.ts';
import { overdueLine, recordedPolicy, terminateRecorded } from '../../lock/replace.ts';
import { holderInfo, refuseStuck } from '../describe-previous.ts';
import { notStarted, type RunContext } from '../context.ts';
import { emptyResult, type RunResult } from '../result.ts';
import type { AcquireResult, FleetBackend } from '../../fleet/backend.ts';
import { describeHolder } from '../../fleet/describe-holder.ts';
import { FleetLease } from '../../fleet/fleet-lease.ts';
import { leaseRun } from './fleet.ts';
import { openFleet } from '../../fleet/open-fleet.ts';

type Busy = Extract<LockOutcome, { kind: 'busy' }>;

/**
 * The orphan across hosts. A SIGKILLed wrapper's session ended, so the server let go of the fleet
 * lock while its job lives on here. This start found the orphan (the local judgement); it becomes
 * the orphan's keeper: it holds the local flock and retakes the fleet lock on the job's behalf until
 * the job's processes are gone, then exits as a skip. If another host took the fleet lock in
 * between, the job runs twice: this side says so (stderr, log, exit 76) and tells the other through
 * its row. Returns undefined when there is nothing to adopt (the caller reports the skip as usual).
 */
export async function adoptOrphan(ctx: RunContext, outcome: Busy): Promise<RunResult | undefined> {
  if (!ctx.o.fleet || outcome.reason === 'interrupted' || outcome.previous.kind !== 'running' || !outcome.previous.orphaned) return undefined;
  const paths = jobPaths(ctx.lockDir, ctx.name);
  const fd = openLockFile(paths.lock);
  let backend: FleetBackend | undefined;
  let lease: FleetLease | undefined;
  try {
    // One keeper per orphan: a second start finds the flock held and skips as "running".
    if (!tryFlock(fd, paths.lock)) return undefined;
    const now = ctx.now();
    const judging = { lockHeldByOther: false, bootId: ctx.bootId, now, stuckAfterMs: ctx.o.stuckAfterMs, roots: ctx.roots };
    const previous = judgePrevious(readRecord(paths.record), judging);
    if (previous.kind !== 'running' || !previous.record?.job) return undefined;
    const orphan = previous.record;
    const job = orphan.job!;
    const record = { ...orphan, wrapper: { ...ctx.self }, host: orphan.host || hostname(), evidence: previous.evidence, updatedAt: now };
    writeRecord(paths.record, record);
    const run = { ...leaseRun(ctx, record), state: () => ({ phase: 'adopted' as const, jobPid: job.pid, deadline: orphan.deadline }) };
    let got: AcquireResult;
    try {
      backend = await openFleet(run.fleet);
      got = await backend.acquire({ name: ctx.name, host: run.host, bootId: ctx.bootId, wrapperPid: run.wrapperPid, ...run.state() });
    } catch (error) {
      if (!isIoguardError(error)) throw error;
      // Skipped as a busy run, as without a fleet: the orphan is this host's, and it still runs.
      ctx.log.log('warn', 'fleet-unavailable', `cannot retake the fleet lock for the orphaned run (job pid ${job.pid}): ${error.message}`, {});
      return undefined;
    }
    const result = emptyResult(ctx.name);
    result.holder = holderInfo(previous, now);
    if (got.kind === 'busy') {
      const who = got.holder ? describeHolder(got.holder, now) : 'another session';
      const line = `the orphaned run on this host (job pid ${job.pid}) still runs, and ${who} holds the fleet lock: two copies are running`;
      await backend.reportConflict(ctx.name, `host ${run.host} still runs an orphaned copy of this job (job pid ${job.pid}): two copies are running`).catch(() => {});
      ctx.report(`ioguard: job "${ctx.name}": FLEET CONFLICT: ${line}`, 'alert');
      ctx.log.log('error', 'fleet-conflict', line, { holder: got.holder, jobPid: job.pid });
      result.outcome = 'conflict';
      result.exitCode = EXIT.stuck;
      result.reason = line;
      return result;
    }
    lease = new FleetLease(run, backend, got.token);
    backend = undefined;
    const p = got.previous;
    const own = p && p.host === orphan.host && p.bootId === orphan.bootId && (p.wrapperPid === orphan.wrapper.pid || p.jobPid === job.pid);
    if (p && !own) {
      lease.conflict(`the orphaned run on this host (job pid ${job.pid}) still runs, but ${describeHolder(p, now)} took the fleet lock in between: the job ran twice`, { previous: p, jobPid: job.pid });
    }
    ctx.log.log('info', 'fleet-adopted', `retook the fleet lock (fencing token ${got.token}) for the orphaned run, job pid ${job.pid}, until it ends`, { token: got.token, jobPid: job.pid, previous: p });
    lease.start();
    const interval = Math.max(200, Math.min(1000, run.fleet.heartbeatMs));
    let overdue = false;
    const policy = recordedPolicy(orphan, ctx.o.killAfterMs);
    let ending: Promise<void> | undefined;
    let stuck: Extract<PreviousRun, { kind: 'stuck' }> | undefined;
    while (!stuck && liveJobProcesses(record, ctx.roots).length > 0 && !ctx.interrupts.received) {
      // The keeper holds the flock, so no later start can end the orphan at its deadline: it does (issue 8).
      if (!overdue && orphan.deadline !== null && ctx.now() > orphan.deadline + policy.graceMs) {
        overdue = true;
        ctx.report(overdueLine(ctx.name, orphan, policy, ctx.now()), 'alert');
        ctx.log.log('warn', 'overdue', 'ending the adopted orphan past its deadline', { job, deadline: orphan.deadline, signal: policy.signal });
        ending = terminateRecorded(ctx, record, true, policy).then(
          (ended) => void (ended.kind === 'stuck' && (stuck = ended.previous)),
          (error: unknown) => ctx.log.log('error', 'overdue', `could not end the adopted orphan: ${(error as Error).message}`, { job }),
        );
      }
      await new Promise((r) => setTimeout(r, interval));
    }
    // Its processes are gone, but the termination may still be deciding: its verdict counts.
    if (!ctx.interrupts.received) await ending;
    if (stuck) {
      // As without a fleet (lock/acquire.ts): the record and the fleet row say stuck, later starts exit 76.
      await lease.release('stuck');
      lease = undefined;
      try {
        writeRecord(paths.record, stuckRecord(record, stuck.evidence, ctx.now()));
      } catch (error) {
        // A full or read-only lock folder: the fleet row already says stuck; say why the local record does not.
        ctx.log.log('warn', 'record-failed', `could not record the stuck run: ${(error as Error).message}`, {});
      }
      result.holder = holderInfo(stuck, ctx.now());
      refuseStuck(ctx, result, stuck, ctx.now());
      return result;
    }
    const ended = !ctx.interrupts.received;
    await lease.release('finished');
    lease = undefined;
    if (ended) removeRecord(paths.record);
    const reason = `previous run orphaned (job pid ${job.pid}); held the fleet lock on its behalf ${ended ? 'until it ended' : `until interrupted by ${ctx.interrupts.received}`}`;
    const conflict = p && !own;
    const exitCode = conflict ? EXIT.stuck : ctx.o.skipExitCode;
    notStarted(ctx, result, { outcome: conflict ? 'conflict' : 'skipped', reason, exitCode, fields: { exitCode } });
    return result;
  } finally {
    await lease?.release('finished');
    await backend?.close();
    closeFd(fd);
  }
}
