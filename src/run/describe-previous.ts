import type { PreviousRun } from '../lock/judge.ts';
import { EXIT } from '../errors/exit-codes.ts';
import { formatDuration } from '../util/duration.ts';
import { notStarted, type RunContext } from './context.ts';
import type { HolderInfo, RunResult } from './result.ts';

/** The previous run as data, for results, log lines and status. */
export function holderInfo(previous: PreviousRun, now: number): HolderInfo | null {
  if (previous.kind !== 'running' && previous.kind !== 'stuck') return null;
  const record = previous.record;
  const telling = previous.processes.find((p) => p.state === 'D') ?? previous.processes.find((p) => p.pid === record?.job?.pid) ?? previous.processes[0];
  const info: HolderInfo = {
    wrapperPid: record?.wrapper.pid ?? null,
    jobPid: record?.job?.pid ?? null,
    state: telling?.state ?? null,
    wchan: telling?.wchan ?? null,
    ageMs: record ? now - record.startedAt : null,
    orphaned: previous.orphaned,
  };
  if (previous.kind === 'stuck') {
    info.stuckPid = previous.culprit.pid;
    info.stuckComm = previous.culprit.comm;
    info.stuckSince = previous.culprit.unchangedSince;
    info.survivedKill = previous.survivedKill;
    info.state = previous.culprit.state;
    info.wchan = previous.culprit.wchan;
  }
  return info;
}

/** One line for a person (cron mails stderr): which process, what state, where it waits, since when. */
export function stuckLine(name: string, previous: Extract<PreviousRun, { kind: 'stuck' }>, now: number): { line: string; reason: string } {
  const c = previous.culprit;
  const since = new Date(c.unchangedSince).toISOString();
  const how = previous.survivedKill ? 'survived SIGKILL' : `no progress for ${formatDuration(now - c.unchangedSince)}`;
  const reason = `previous run stuck: pid ${c.pid} (${c.comm}) in state ${c.state}, wchan ${c.wchan ?? '-'}, ${how} (since ${since})`;
  return { line: `ioguard: job "${name}" not started: ${reason}`, reason };
}

export function busyLine(name: string, previous: PreviousRun, reason: string, now: number): string {
  const h = holderInfo(previous, now);
  const who = h ? `wrapper pid ${h.wrapperPid ?? '?'}, job pid ${h.jobPid ?? '?'}, state ${h.state ?? '?'}, age ${h.ageMs === null ? '?' : formatDuration(h.ageMs)}${h.orphaned ? ', orphaned' : ''}` : 'holder unknown';
  return `ioguard: job "${name}" skipped: ${reason} (${who})`;
}

/** The previous run is stuck: refuse with exit 76, its line said as an alert (a later run's and an adopted orphan's). */
export function refuseStuck(ctx: RunContext, result: RunResult, previous: Extract<PreviousRun, { kind: 'stuck' }>, now: number): void {
  const { line, reason } = stuckLine(ctx.name, previous, now);
  const fields = { holder: result.holder, evidence: previous.evidence };
  notStarted(ctx, result, { outcome: 'stuck', reason, exitCode: EXIT.stuck, line, kind: 'alert', level: 'error', event: 'stuck', fields });
}
