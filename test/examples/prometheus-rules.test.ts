import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { HistoryEntry } from '../../src/history/entry.ts';
import { forecast } from '../../src/history/forecast.ts';
import { emptySummary, foldEntry } from '../../src/history/summary.ts';
import { renderJobMetrics, type LiveState } from '../../src/metrics/render.ts';
import { entry } from '../history/helpers/entries.ts';

const RULES = new URL('../../examples/prometheus/ioguard.rules.yml', import.meta.url).pathname;
const ALERTS = ['IoguardJobStuck', 'IoguardJobFailing', 'IoguardJobNoRecentSuccess', 'IoguardJobSilent', 'IoguardJobOutgrowsInterval', 'IoguardJobStarved', 'IoguardJobMostlyPaused', 'IoguardJobOverdue'];
const MIN = 60_000;

/** One job's invocations (times in minutes from 0, promtool's clock) and what each saw running. */
interface Job {
  name: string;
  runs: Array<Partial<HistoryEntry> & { minute: number }>;
  live?: (minute: number) => LiveState;
}

/** A promtool test group: its jobs, when the alert must not fire yet and when it must. */
interface Scenario {
  jobs: Job[];
  alert?: { name: string; job: string; severity: string; quietAt: number; firingAt: number };
  /** Other alerts this situation rightly raises too (a job that keeps failing has no recent success). */
  alsoFiring?: string[];
  /** With no alert: the time at which nothing at all must fire. */
  quietAt?: number;
  minutes: number;
}

const notRunning: LiveState = { running: false, stuck: false, runningForMs: null };
const every = (from: number, to: number, step: number, over: Partial<HistoryEntry> = {}) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => ({ minute: from + i * step, durationMs: 60_000, ...over }));
const skip = (cause: HistoryEntry['cause']): Partial<HistoryEntry> => ({ outcome: 'skipped', cause, exitCode: 75, jobExitCode: null, durationMs: 0 });

const SCENARIOS: Record<string, Scenario> = {
  healthy: { jobs: [{ name: 'healthy', runs: every(0, 230, 10) }], quietAt: 235, minutes: 240 },
  stuck: {
    jobs: [{
      name: 'stuck',
      runs: [...every(0, 20, 10), { minute: 40, outcome: 'stuck', cause: 'stuck', exitCode: 76, jobExitCode: null, durationMs: 0 }],
      live: (m) => (m >= 40 ? { running: true, stuck: true, runningForMs: (m - 30) * MIN } : notRunning),
    }],
    alert: { name: 'IoguardJobStuck', job: 'stuck', severity: 'page', quietAt: 44, firingAt: 46 },
    minutes: 50,
  },
  failing: {
    jobs: [{ name: 'failing', runs: [...every(0, 0, 10), ...every(10, 30, 10, { outcome: 'failed', exitCode: 1, jobExitCode: 1 })] }],
    alert: { name: 'IoguardJobFailing', job: 'failing', severity: 'ticket', quietAt: 25, firingAt: 32 },
    alsoFiring: ['IoguardJobNoRecentSuccess'],
    minutes: 40,
  },
  'no-success': {
    jobs: [{ name: 'no-success', runs: [...every(0, 20, 10), ...every(30, 90, 10, skip('pressure'))] }],
    alert: { name: 'IoguardJobNoRecentSuccess', job: 'no-success', severity: 'ticket', quietAt: 40, firingAt: 60 },
    minutes: 95,
  },
  silent: {
    jobs: [{ name: 'silent', runs: every(0, 30, 5) }],
    alert: { name: 'IoguardJobSilent', job: 'silent', severity: 'ticket', quietAt: 55, firingAt: 65 },
    alsoFiring: ['IoguardJobNoRecentSuccess'],
    minutes: 70,
  },
  'pile-up': {
    jobs: [{ name: 'pile-up', runs: every(0, 150, 5, { durationMs: 480_000 }) }],
    alert: { name: 'IoguardJobOutgrowsInterval', job: 'pile-up', severity: 'ticket', quietAt: 50, firingAt: 80 },
    minutes: 100,
  },
  starved: {
    jobs: [{ name: 'starved', runs: [...every(0, 0, 10), ...every(10, 200, 10, skip('pressure'))] }],
    alert: { name: 'IoguardJobStarved', job: 'starved', severity: 'ticket', quietAt: 185, firingAt: 205 },
    alsoFiring: ['IoguardJobNoRecentSuccess'],
    minutes: 210,
  },
  paused: {
    jobs: [
      { name: 'paused', runs: [...every(0, 10, 10), { minute: 20, durationMs: 600_000, pausedMs: 400_000 }] },
      // Paused for most of a short run, but under a minute: not worth a ticket.
      { name: 'paused-briefly', runs: [...every(0, 10, 10), { minute: 20, durationMs: 80_000, pausedMs: 50_000 }] },
    ],
    alert: { name: 'IoguardJobMostlyPaused', job: 'paused', severity: 'ticket', quietAt: 25, firingAt: 32 },
    minutes: 35,
  },
};

/**
 * The job's textfile as ioguard leaves it minute by minute: each invocation rewrites it when it
 * ends (its history line folded, the live state it saw), and it is unchanged in between.
 */
function textfileTimeline(job: Job, minutes: number): Array<string | undefined> {
  const entries = job.runs.map((r) => entry({ ...r, at: r.minute * MIN }));
  const out: Array<string | undefined> = [];
  let text: string | undefined;
  const summary = emptySummary(job.name);
  const pending = [...entries].sort((a, b) => a.end - b.end);
  for (let m = 0; m <= minutes; m++) {
    let wrote = false;
    while (pending.length > 0 && (pending[0] as HistoryEntry).end <= m * MIN) {
      foldEntry(summary, pending.shift() as HistoryEntry);
      wrote = true;
    }
    if (wrote) text = renderJobMetrics(job.name, summary, forecast(job.name, summary.recentAt, summary.recentDurations), job.live?.(m) ?? notRunning);
    out.push(text);
  }
  return out;
}

/** promtool input series from the rendered files: one `values` string per series, `_` where absent. */
function inputSeries(jobs: Job[], minutes: number, seen: Set<string>): Array<{ series: string; values: string }> {
  const series = new Map<string, string[]>();
  for (const job of jobs) {
    textfileTimeline(job, minutes).forEach((text, m) => {
      for (const line of (text ?? '').split('\n')) {
        if (line === '' || line.startsWith('#')) continue;
        const at = line.lastIndexOf(' ');
        const key = line.slice(0, at);
        seen.add(key.split('{')[0] as string);
        if (!series.has(key)) series.set(key, Array<string>(minutes + 1).fill('_'));
        (series.get(key) as string[])[m] = line.slice(at + 1);
      }
    });
  }
  return [...series].map(([s, v]) => ({ series: s, values: v.join(' ') }));
}

const q = (s: string): string => `'${s.replaceAll("'", "''")}'`;

function testGroup(title: string, sc: Scenario, seen: Set<string>): string {
  const lines = [`  # ${title}`, '  - interval: 1m', '    input_series:'];
  for (const s of inputSeries(sc.jobs, sc.minutes, seen)) lines.push(`      - series: ${q(s.series)}`, `        values: ${q(s.values)}`);
  lines.push('    alert_rule_test:');
  const expect = (at: number, alert: string, firing: Array<{ job: string; severity: string }>): void => {
    lines.push(`      - eval_time: ${at}m`, `        alertname: ${alert}`, `        exp_alerts:${firing.length === 0 ? ' []' : ''}`);
    for (const f of firing) lines.push(`          - exp_labels: { name: ${q(f.job)}, severity: ${f.severity} }`);
  };
  if (sc.alert) {
    const a = sc.alert;
    expect(a.quietAt, a.name, []);
    expect(a.firingAt, a.name, [{ job: a.job, severity: a.severity }]);
    for (const other of ALERTS) if (other !== a.name && !sc.alsoFiring?.includes(other)) expect(a.firingAt, other, []);
  } else {
    for (const other of ALERTS) expect(sc.quietAt as number, other, []);
  }
  return lines.join('\n');
}

/** The shipped rules without their annotations: promtool compares annotations, and these hold templates of $value. */
function withoutAnnotations(text: string): string {
  const out: string[] = [];
  let skipIndent = -1;
  for (const line of text.split('\n')) {
    const indent = line.search(/\S/);
    if (skipIndent >= 0 && (indent === -1 || indent > skipIndent)) continue;
    skipIndent = /^\s*annotations:\s*$/.test(line) ? indent : -1;
    if (skipIndent === -1) out.push(line);
  }
  return out.join('\n');
}

const dir = mkdtempSync(join(tmpdir(), 'ioguard-rules-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function promtool(args: string[]): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', cwd: dir });
  assert.equal(r.error, undefined, `promtool must be installed (scripts/install-test-deps.sh): ${String(r.error)}`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('examples/prometheus/ioguard.rules.yml', () => {
  const seen = new Set<string>();
  const groups = Object.entries(SCENARIOS).map(([title, sc]) => testGroup(title, sc, seen));
  const rules = readFileSync(RULES, 'utf8');

  it('passes promtool check rules', () => {
    const r = promtool(['check', 'rules', RULES]);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, new RegExp(`SUCCESS: ${ALERTS.length} rules found`));
  });

  it('uses only metric names ioguard\'s metrics writer writes', () => {
    const used = new Set(rules.match(/\bioguard_[a-z0-9_]+/g) ?? []);
    assert.ok(used.size >= 8, [...used].join(' '));
    const unknown = [...used].filter((m) => !seen.has(m));
    assert.deepEqual(unknown, [], `not written by src/metrics/render.ts: ${unknown.join(', ')}`);
  });

  it('each alert fires on the series ioguard writes for its situation, not before, and a healthy job raises none (promtool test rules)', () => {
    writeFileSync(join(dir, 'rules.yml'), withoutAnnotations(rules));
    assert.equal(promtool(['check', 'rules', 'rules.yml']).status, 0);
    writeFileSync(join(dir, 'rules.test.yml'), ['rule_files: [rules.yml]', 'evaluation_interval: 1m', 'tests:', ...groups, ''].join('\n'));
    const r = promtool(['test', 'rules', 'rules.test.yml']);
    assert.equal(r.status, 0, r.out.slice(0, 4000));
    assert.match(r.out, /SUCCESS/);
  });
});
