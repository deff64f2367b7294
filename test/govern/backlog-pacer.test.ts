import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BacklogPacer } from '../../src/govern/backlog-pacer.ts';
import { readPidStat } from '../../src/proc/processes.ts';
import { needsRoot } from '../helpers/root.ts';
import { scratchLoop, type ScratchLoop } from '../helpers/scratch-loop.ts';

/** A process in its own group holding a file on the device open for writing, buffered or O_DIRECT, until killed. */
async function writer(file: string, direct: boolean): Promise<ChildProcess> {
  const flags = `fs.constants.O_WRONLY | fs.constants.O_CREAT${direct ? ' | fs.constants.O_DIRECT' : ''}`;
  const script = `const fs = require('fs'); fs.openSync(${JSON.stringify(file)}, ${flags}); console.log('ready'); setTimeout(() => {}, 30000);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'], detached: true });
  await new Promise((resolve, reject) => {
    child.stdout?.once('data', resolve);
    child.once('exit', () => reject(new Error('the writer could not open its file')));
  });
  return child;
}

describe('BacklogPacer.holdsJobWrites on a real loop device', { skip: needsRoot('a loop device and /sys/class/bdi writes') }, () => {
  let dev: ScratchLoop | undefined;
  before(() => {
    dev = scratchLoop('ioguard-pacer-');
  });
  after(() => dev?.cleanup());

  for (const direct of [false, true]) {
    const what = direct ? 'a job writing with O_DIRECT: the device is bounded, but the bound does not hold its writes' : 'a job writing through the page cache on a bounded device: the bound holds its writes';
    it(what, async () => {
      const d = dev as ScratchLoop;
      const child = await writer(join(d.mnt, direct ? 'direct' : 'buffered'), direct);
      const pid = child.pid as number;
      const bound: string[] = [];
      const pacer = new BacklogPacer({
        bytes: 'auto', waitMs: 100, paths: [], guessedPaths: [], guessHoldMs: 10_000, ledgerDir: join(d.dir, 'ledgers'), job: 'pacer-test',
        roots: { procRoot: '/proc', sysRoot: '/sys' }, now: Date.now, intervalMs: 500,
        onBound: (b) => bound.push(b.device), onResize: () => {}, onRelease: () => {}, onProblem: (p) => assert.fail(p),
      });
      try {
        await pacer.start();
        assert.equal(pacer.holdsJobWrites(), false, 'nothing written yet');
        pacer.watch(pid, readPidStat(pid)?.starttime ?? 0);
        await pacer.tick();
        assert.deepEqual(bound, [d.majMin]);
        assert.equal(pacer.holdsJobWrites(), !direct);
      } finally {
        await pacer.stop();
        child.kill('SIGKILL');
      }
      assert.equal(pacer.holdsJobWrites(), false, 'a stopped pacer holds nothing');
      assert.deepEqual(d.setting(), d.original);
    });
  }
});
