import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { finished, readJobRecord, runIoguard, sandboxes, startIoguard, until } from '../helpers/cli.ts';
import { sample, startNodeExporter } from './helpers/node-exporter.ts';

const box = sandboxes();

describe('metrics through node_exporter\'s textfile collector', () => {
  it('after real runs a scrape shows the runs by outcome, the skips by reason, the last run and the running gauge', async () => {
    const b = box();
    const textfiles = join(b.dir, 'textfile');
    const run = (args: string[]) => runIoguard(['run', '--no-gate', '--name', 'nightly', '--metrics-dir', textfiles, ...args], { env: b.env });
    assert.equal((await run(['--', 'true'])).code, 0);
    assert.equal((await run(['--', 'sh', '-c', 'exit 3'])).code, 3);
    const exporter = await startNodeExporter(textfiles);
    const n = 'name="nightly"';

    let text = await exporter.scrape();
    assert.equal(sample(text, `ioguard_job_runs_total{${n},outcome="completed"}`), 1);
    assert.equal(sample(text, `ioguard_job_runs_total{${n},outcome="failed"}`), 1);
    assert.equal(sample(text, `ioguard_job_last_exit_code{${n}}`), 3);
    assert.equal(sample(text, 'node_textfile_scrape_error'), 0, 'node_exporter read every file');

    const holder = startIoguard(['run', '--no-gate', '--name', 'nightly', '--metrics-dir', textfiles, '--', 'sleep', '3'], { env: b.env });
    await until(() => readJobRecord(b, 'nightly')?.job, 10_000, 'holder running');
    assert.equal((await run(['--', 'true'])).code, 75);
    text = await exporter.scrape();
    assert.equal(sample(text, `ioguard_job_skips_total{${n},reason="busy"}`), 1);
    assert.equal(sample(text, `ioguard_job_running{${n}}`), 1, 'the skipper saw the run in progress');

    assert.equal((await finished(holder)).code, 0);
    assert.equal((await run(['--timeout', '1s', '--kill-after', '1s', '--', 'sleep', '30'])).code, 124);
    const burn = await run(['--', 'sh', '-c', 'i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done']);
    assert.equal(burn.code, 0);
    text = await exporter.scrape();
    assert.equal(sample(text, `ioguard_job_runs_total{${n},outcome="completed"}`), 3);
    assert.equal(sample(text, `ioguard_job_runs_total{${n},outcome="failed"}`), 1);
    assert.equal(sample(text, `ioguard_job_runs_total{${n},outcome="timed_out"}`), 1);
    assert.equal(sample(text, `ioguard_job_skips_total{${n},reason="busy"}`), 1, 'counters survive the processes that wrote them');
    assert.equal(sample(text, `ioguard_job_running{${n}}`), 0);
    assert.equal(sample(text, `ioguard_job_last_exit_code{${n}}`), 0);
    const cpu = sample(text, `ioguard_job_last_cpu_seconds{${n}}`) ?? 0;
    assert.ok(cpu >= 0.1, `the busy loop's CPU time is measured: ${cpu}s`);
    assert.ok((sample(text, `ioguard_job_cpu_seconds_total{${n}}`) ?? 0) >= cpu);
    const start = sample(text, `ioguard_job_last_start_timestamp_seconds{${n}}`) ?? 0;
    const end = sample(text, `ioguard_job_last_end_timestamp_seconds{${n}}`) ?? 0;
    assert.ok(Math.abs(end - start - (sample(text, `ioguard_job_last_duration_seconds{${n}}`) ?? -1)) < 0.01, 'end - start = duration');
    assert.ok(Math.abs(end - Date.now() / 1000) < 60, 'timestamps are epoch seconds');
    assert.ok((sample(text, `ioguard_job_last_success_timestamp_seconds{${n}}`) ?? 0) >= end - 0.001);
  });
});
