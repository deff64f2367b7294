import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readPidStat } from '../../src/proc/processes.ts';
import { BIN, finished, readJobRecord, sandboxes, sleep, startIoguard, until } from '../helpers/cli.ts';

const box = sandboxes();

/** True when process `pid` has a listening TCP socket on port 9229 (Node's inspector). */
function inspectorListening(pid: number): boolean {
  const inodes = new Set<string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(':240D') && f[3] === '0A' && f[9]) inodes.add(f[9]);
    }
  }
  let fds: string[] = [];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  return fds.some((fd) => {
    try {
      return inodes.has(/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? '');
    } catch {
      return false;
    }
  });
}

describe('SIGUSR1 and SIGUSR2', () => {
  it('sent to `ioguard run` while the job runs: passed to the job, no inspector opens, the run goes on', async () => {
    const b = box();
    const out = join(b.dir, 'got');
    const job = ['sh', '-c', `trap 'echo usr1 >> ${out}' USR1; trap 'echo usr2 >> ${out}' USR2; i=0; while [ $i -lt 40 ]; do sleep 0.05; i=$((i+1)); done; echo done >> ${out}`];
    const child = startIoguard(['run', '--no-gate', '--name', 'usr', '--', ...job], { env: b.env });
    await until(() => { const j = readJobRecord(b, 'usr')?.job; return j && readPidStat(j.pid)?.comm !== undefined && b.events().some((e) => e.event === 'started'); }, 10_000, 'job running');
    await sleep(300);
    child.kill('SIGUSR1');
    await sleep(300);
    assert.equal(inspectorListening(child.pid as number), false, 'no inspector on 127.0.0.1:9229');
    child.kill('SIGUSR2');
    const r = await finished(child);
    assert.equal(r.code, 0, 'the run was not ended by them');
    assert.deepEqual(readFileSync(out, 'utf8').split('\n').filter(Boolean), ['usr1', 'usr2', 'done']);
  });

  it('sent to a Node process while guard() runs, and after: no inspector opens and the process lives on', async () => {
    const b = box();
    const script = join(b.dir, 'service.mts');
    const index = new URL('../../src/index.ts', import.meta.url).pathname;
    writeFileSync(script, `import { guard } from ${JSON.stringify(index)};
const r = await guard('svc', () => new Promise((res) => setTimeout(res, 1500)), { lockDir: ${JSON.stringify(b.lockDir)}, logFile: false, gate: { enabled: false } });
console.log('guarded', r.outcome);
await new Promise((res) => setTimeout(res, 1500));
console.log('alive');
`);
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    const done = finished(child);
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    await until(() => readJobRecord({ lockDir: b.lockDir } as Parameters<typeof readJobRecord>[0], 'svc')?.job, 10_000, 'function running');
    child.kill('SIGUSR1');
    await sleep(300);
    assert.equal(inspectorListening(child.pid as number), false, 'no inspector while a run is active');
    await until(() => stdout.includes('guarded'), 10_000, 'run finished');
    child.kill('SIGUSR1');
    await sleep(300);
    assert.equal(inspectorListening(child.pid as number), false, 'no inspector after the run either');
    const r = await done;
    assert.equal(r.code, 0);
    assert.match(r.stdout, /guarded completed\nalive\n/);
  });
});

describe('SIGQUIT and SIGALRM sent to the wrapper', () => {
  it('SIGQUIT goes to the job\'s group like TERM: the job handles it, the wrapper passes its status, nothing is orphaned', async () => {
    const b = box();
    const out = join(b.dir, 'got');
    const job = ['sh', '-c', `trap 'echo quit >> ${out}; exit 3' QUIT; i=0; while [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done`];
    const child = startIoguard(['run', '--no-gate', '--name', 'quit', '--', ...job], { env: b.env });
    const j = await until(() => b.events().some((e) => e.event === 'started') && readJobRecord(b, 'quit')?.job, 10_000, 'job running');
    child.kill('SIGQUIT');
    const r = await finished(child, { onExit: true });
    assert.equal(r.signal, null, 'the wrapper was not killed by SIGQUIT');
    assert.equal(r.code, 3, 'the job\'s own exit status');
    assert.equal(readFileSync(out, 'utf8'), 'quit\n');
    assert.equal(readPidStat(j.pid), undefined, 'the job is gone');
  });

  it('SIGALRM times the job out now, as timeout(1) does: cascaded wrappers both exit 124 and the inner job gets its signal', async () => {
    const b = box();
    const received = join(b.dir, 'int.received');
    const inner = [process.execPath, BIN, 'run', '--no-gate', '--name', 'inner', '--kill-signal', 'INT', '--timeout', '25s', '--', 'sh', '-c', `trap 'touch ${received}; exit' INT; i=0; while [ $i -lt 400 ]; do sleep 0.05; i=$((i+1)); done`];
    const started = Date.now();
    const outer = startIoguard(['run', '--no-gate', '--name', 'outer', '--kill-signal', 'ALRM', '--timeout', '30s', '--', ...inner], { env: b.env });
    await until(() => readJobRecord(b, 'inner')?.phase === 'running', 10_000, 'inner job running');
    outer.kill('SIGALRM');
    const r = await finished(outer, { onExit: true });
    assert.equal(r.code, 124, `outer exit status (stderr: ${r.stderr})`);
    assert.match(r.stderr, /job "outer" timed out by SIGALRM after/);
    assert.match(r.stderr, /job "inner" timed out by SIGALRM after/);
    assert.ok(existsSync(received), 'the inner job received its --kill-signal INT');
    assert.ok(Date.now() - started < 15_000, 'ended long before the 20 s job or the 25 s/30 s deadlines');
  });
});
