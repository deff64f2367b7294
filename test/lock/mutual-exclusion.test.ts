import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { readBootId } from '../../src/proc/boot-id.ts';
import { readPidStat } from '../../src/proc/processes.ts';
import { runIoguard, sandbox, type CliResult } from '../helpers/cli.ts';

// Each job marks itself present, records how many are present, lingers until the test lets it go,
// then leaves: any overlap between two copies makes some copy count 2. The job lingers until every
// other starter has ended (not a fixed time), so a starter slowed by a loaded machine cannot
// legitimately run after the first copy ended and pass for a second copy.
const JOB = 'touch running/$$; ls running | wc -l >> counts; while [ ! -e release ]; do sleep 0.05; done; rm running/$$';

async function stampede(box: ReturnType<typeof sandbox>, n: number): Promise<CliResult[]> {
  mkdirSync(join(box.dir, 'running'), { recursive: true });
  let ended = 0;
  let allButOne: () => void = () => {};
  const othersEnded = new Promise<void>((resolve) => (allButOne = resolve));
  const starters = Array.from({ length: n }, () =>
    runIoguard(['run', '--no-gate', '--name', 'same', '--', 'sh', '-c', JOB], { cwd: box.dir, env: box.env }).then((r) => {
      if (++ended >= n - 1) allButOne();
      return r;
    }),
  );
  // Bounded: a bug that lets two copies run leaves two starters waiting; release them after 60 s.
  await Promise.race([othersEnded, new Promise((resolve) => setTimeout(resolve, 60_000))]);
  writeFileSync(join(box.dir, 'release'), '');
  return Promise.all(starters);
}

function maxConcurrency(box: ReturnType<typeof sandbox>): number {
  return Math.max(...readFileSync(join(box.dir, 'counts'), 'utf8').trim().split('\n').map(Number));
}

describe('one run per job under a stampede of starters', () => {
  const boxes: Array<ReturnType<typeof sandbox>> = [];
  after(() => boxes.forEach((b) => b.cleanup()));

  it('30 simultaneous starters: exactly one runs, every other exits 75', async () => {
    const box = sandbox();
    boxes.push(box);
    const results = await stampede(box, 30);
    const codes = results.map((r) => r.code).sort();
    assert.equal(codes.filter((c) => c === 0).length, 1, `codes: ${codes.join(',')}`);
    assert.equal(codes.filter((c) => c === 75).length, 29, `codes: ${codes.join(',')}`);
    assert.equal(maxConcurrency(box), 1);
    assert.ok(results.every((r) => r.stderr === ''), 'a skip is quiet on stderr');
  });

  it('30 starters racing to reclaim a stale lock: one reclaims and runs, the rest skip', async () => {
    const box = sandbox();
    boxes.push(box);
    mkdirSync(box.lockDir, { recursive: true, mode: 0o700 });
    // A wrapper and job that existed and are gone: the pid of a finished process.
    const dead = spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim();
    const starttime = readPidStat(process.pid)?.starttime ?? 0;
    const record = {
      version: 1, name: 'same', phase: 'running', bootId: readBootId(), host: 'h',
      wrapper: { pid: Number(dead), starttime }, job: { pid: Number(dead), starttime, pgid: Number(dead) },
      argv: ['old'], startedAt: Date.now() - 60_000, deadline: null, updatedAt: Date.now(), lastProgressAt: Date.now(), evidence: [], survivors: [],
    };
    writeFileSync(join(box.lockDir, 'same.json'), JSON.stringify(record));
    const results = await stampede(box, 30);
    const codes = results.map((r) => r.code);
    assert.equal(codes.filter((c) => c === 0).length, 1, `codes: ${codes.sort().join(',')}`);
    assert.equal(codes.filter((c) => c === 75).length, 29);
    assert.equal(maxConcurrency(box), 1);
    const reclaimed = box.events().filter((e) => e.event === 'reclaimed');
    assert.equal(reclaimed.length, 1, 'exactly one starter reclaimed the stale lock');
    assert.match(String(reclaimed[0]?.reason), /no process of it is alive/);
  });
});
